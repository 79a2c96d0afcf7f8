// What the state must be, worked out from what the edge sent and what Conclave acknowledged, by rules
// written here for the tests and nothing else: not the production decider, not the inbox, not the event log.
// The unit is a call's stay in a room (a visit): every acknowledged join opens one, every acknowledged
// leave, hang-up or move closes it, every acknowledged flag change while it is open is one it must show.
//
// The edge sends a call's own webhooks one after the other, except where the platform sends several at once
// (a leave's participant-leave, dial action and call status); of those, whichever commits first decides the
// reason, so each of their reasons is accepted. What other calls do (a moderator leaving, the platform
// ending the conference) may end a visit too ('conference-ended'), but only where such an end was
// acknowledged at a time it could have met the visit. Each rule is one small function in RULES, so that a
// change of the domain's rules is a change of one function here.

import type { LeaveReason } from '../../src/domain/events.js';

/** One delivery as the model reads it: what was sent, and when the edge sent it and learnt its answer. */
export interface Sent {
  path: string;
  form: Record<string, string>;
  query: Record<string, string>;
  /** The body of the first 2xx answer, null when none came. */
  acknowledged: string | null;
  /** Ticks of one clock shared by every delivery of a ledger: sent, and first answered 2xx. */
  sentAt: number;
  ackedAt: number | null;
}

export interface Visit {
  call: string;
  room: string;
  join: Sent;
  /** Joins to the room while the call was in it already: each is a new stay only where the conference
   * ended under the call meanwhile. */
  rejoins: Sent[];
  /** The call's own acknowledged deliveries that closed the visit, and the reasons each would give. */
  closers: { sent: Sent; reason: LeaveReason }[];
  /** Whether the visit may take the conference down when it leaves (end on exit, as joined, rejoined or updated). */
  endsConference: boolean;
  /** Acknowledged flag changes while the visit was open. */
  updates: Sent[];
}

export interface Expectation {
  visits: Map<string, Visit[]>;
  /** Acknowledged conference-end callbacks per room. */
  conferenceEnds: Map<string, Sent[]>;
  /** Acknowledged conference callbacks per room that name the platform's ConferenceSid. */
  platformCallbacks: Map<string, Sent[]>;
  /** Every flag change sent per call, acknowledged or not: what an update shown may come from. */
  flagChanges: Map<string, Sent[]>;
  /** Answers that break a rule by themselves (a call that has ended let in again). */
  errors: string[];
  rooms: Set<string>;
}

interface CallTrack {
  open: Visit | null;
  /** The call joined or was reported somewhere: a reported join of it is then no new call. */
  placed: boolean;
  ended: boolean;
  /** The newest SequenceNumber applied per room. */
  sequences: Map<string, number>;
}

interface Model extends Expectation {
  calls: Map<string, CallTrack>;
}

const TERMINAL = new Set(['completed', 'busy', 'failed', 'no-answer', 'canceled']);
const FLAG_EVENTS = new Set([
  'participant-mute',
  'participant-unmute',
  'participant-hold',
  'participant-unhold',
  'participant-modify',
]);

type Kind =
  | 'join'
  | 'reported-join'
  | 'dial-ended'
  | 'hung-up'
  | 'left'
  | 'flags'
  | 'conference-end'
  | 'ignored';

export function kindOf(sent: Sent): Kind {
  if (sent.path.endsWith('/voice')) return 'join';
  if (sent.path.endsWith('/dial-action')) return 'dial-ended';
  if (sent.path.endsWith('/call-status'))
    return TERMINAL.has(sent.form.CallStatus ?? '') ? 'hung-up' : 'ignored';
  if (!sent.path.endsWith('/conference-status')) return 'ignored';
  const event = sent.form.StatusCallbackEvent ?? '';
  if (event === 'participant-join') return 'reported-join';
  if (event === 'participant-leave') return 'left';
  if (event === 'conference-end') return 'conference-end';
  return FLAG_EVENTS.has(event) ? 'flags' : 'ignored';
}

/** The room a delivery names: the voice URL's FriendlyName, or the callback's. */
export function roomOf(sent: Sent): string | null {
  return sent.query.FriendlyName ?? sent.form.FriendlyName ?? null;
}

const callOf = (sent: Sent) => sent.form.CallSid ?? '';

function track(model: Model, call: string): CallTrack {
  let found = model.calls.get(call);
  if (found === undefined) {
    found = { open: null, placed: false, ended: false, sequences: new Map() };
    model.calls.set(call, found);
  }
  return found;
}

function open(model: Model, sent: Sent, room: string): void {
  const call = callOf(sent);
  const visit: Visit = {
    call,
    room,
    join: sent,
    rejoins: [],
    closers: [],
    endsConference: sent.query.endConferenceOnExit === 'true',
    updates: [],
  };
  model.visits.set(call, [...(model.visits.get(call) ?? []), visit]);
  const state = track(model, call);
  state.open = visit;
  state.placed = true;
}

function close(model: Model, sent: Sent, reason: LeaveReason): void {
  const state = track(model, callOf(sent));
  state.open?.closers.push({ sent, reason });
  state.open = null;
}

/** Whether a callback's SequenceNumber is newer than the newest applied for its call in its room. */
function fresh(state: CallTrack, room: string, sent: Sent): boolean {
  const sequence = Number(sent.form.SequenceNumber ?? Number.NaN);
  if (Number.isNaN(sequence)) return true;
  const applied = state.sequences.get(room);
  if (applied !== undefined && sequence <= applied) return false;
  state.sequences.set(room, sequence);
  return true;
}

/**
 * A voice webhook for a call in another room means the call was redirected: it has left that room, even
 * if the room it asks for then turns it away (an answer without <Dial>). A <Dial> puts it in the room.
 */
function joinByVoice(model: Model, sent: Sent): void {
  const state = track(model, callOf(sent));
  const room = roomOf(sent) ?? '';
  if (state.open !== null && state.open.room !== room) close(model, sent, 'moved');
  if (!sent.acknowledged?.includes('<Dial')) return;
  if (state.ended) model.errors.push(`${callOf(sent)} had hung up and was let into ${room}`);
  if (state.open?.room === room) {
    state.open.rejoins.push(sent);
    // Should the conference have ended under the call, the rejoin starts a stay with this dial's attributes.
    if (sent.query.endConferenceOnExit === 'true') state.open.endsConference = true;
  } else open(model, sent, room);
}

/**
 * The platform reporting a join: a call never seen is added, and one in another room has been moved there
 * (DESIGN §2); one our TwiML placed in this room is there already.
 */
function joinReported(model: Model, sent: Sent): void {
  const state = track(model, callOf(sent));
  const room = roomOf(sent) ?? '';
  if (state.ended || !fresh(state, room, sent)) return;
  const elsewhere = state.open !== null && state.open.room !== room;
  if (state.placed && !elsewhere) return;
  if (elsewhere) close(model, sent, 'moved');
  open(model, sent, room);
}

function leaveDial(model: Model, sent: Sent): void {
  close(model, sent, 'dial-ended');
}

function hangUp(model: Model, sent: Sent): void {
  close(model, sent, 'hung-up');
  track(model, callOf(sent)).ended = true;
}

/** A participant-leave closes the visit in the room it names; one for a call never seen is remembered. */
function leaveReported(model: Model, sent: Sent): void {
  const state = track(model, callOf(sent));
  const room = roomOf(sent) ?? '';
  if (!fresh(state, room, sent)) return;
  if (state.open?.room === room) close(model, sent, 'left');
  else if (!state.placed) state.placed = true;
}

function changeFlags(model: Model, sent: Sent): void {
  const state = track(model, callOf(sent));
  const room = roomOf(sent) ?? '';
  if (state.open?.room !== room || !fresh(state, room, sent)) return;
  state.open.updates.push(sent);
  if (sent.form.EndConferenceOnExit === 'true') state.open.endsConference = true;
}

function endConference(model: Model, sent: Sent): void {
  const room = roomOf(sent) ?? '';
  model.conferenceEnds.set(room, [...(model.conferenceEnds.get(room) ?? []), sent]);
}

const RULES: Record<Kind, (model: Model, sent: Sent) => void> = {
  join: joinByVoice,
  'reported-join': joinReported,
  'dial-ended': leaveDial,
  'hung-up': hangUp,
  left: leaveReported,
  flags: changeFlags,
  'conference-end': endConference,
  ignored: () => {},
};

/** Folds the acknowledged deliveries, in the order their answers came, through the rules. */
export function expect(deliveries: Sent[]): Expectation {
  const model: Model = {
    visits: new Map(),
    conferenceEnds: new Map(),
    platformCallbacks: new Map(),
    flagChanges: new Map(),
    errors: [],
    rooms: new Set(),
    calls: new Map(),
  };
  for (const sent of deliveries) {
    const room = roomOf(sent);
    if (room !== null) model.rooms.add(room);
    if (kindOf(sent) === 'flags') {
      const call = callOf(sent);
      model.flagChanges.set(call, [...(model.flagChanges.get(call) ?? []), sent]);
    }
  }
  const acknowledged = deliveries
    .filter((sent) => sent.ackedAt !== null)
    .sort((a, b) => (a.ackedAt as number) - (b.ackedAt as number));
  for (const sent of acknowledged) {
    RULES[kindOf(sent)](model, sent);
    const room = roomOf(sent);
    if (room !== null && sent.path.endsWith('/conference-status') && sent.form.ConferenceSid) {
      model.platformCallbacks.set(room, [...(model.platformCallbacks.get(room) ?? []), sent]);
    }
  }
  return model;
}

/** Whether two deliveries may have committed in either order: neither was answered before the other left. */
export function overlap(a: Sent, b: Sent): boolean {
  return (
    a.sentAt < (b.ackedAt ?? Number.POSITIVE_INFINITY) && b.sentAt < (a.ackedAt ?? Number.POSITIVE_INFINITY)
  );
}

/** The leave reasons the visit's own deliveries allow: the first closer's, or any sent alongside it. */
export function ownReasons(visit: Visit, all: Sent[]): Set<LeaveReason> {
  const first = visit.closers[0];
  if (first === undefined) return new Set();
  const reasons = new Set<LeaveReason>([first.reason]);
  for (const other of all) {
    if (other === first.sent || other.ackedAt === null || !overlap(other, first.sent)) continue;
    const kind = kindOf(other);
    if (kind === 'dial-ended') reasons.add('dial-ended');
    if (kind === 'hung-up') reasons.add('hung-up');
    if (kind === 'left' && roomOf(other) === visit.room) reasons.add('left');
  }
  return reasons;
}

/**
 * Whether something else acknowledged could have ended the visit's conference while it was there: a
 * conference-end for its room, another visit to the room that ends the conference on leaving, or a callback
 * for the room naming a platform conference other than the one the visit's own callbacks named (the platform
 * has moved on to a new conference of that name, so the one the visit was in is over).
 */
export function mayBeEndedByOthers(visit: Visit, expectation: Expectation): boolean {
  const span: Sent = {
    ...visit.join,
    ackedAt: visit.closers[0]?.sent.ackedAt ?? Number.POSITIVE_INFINITY,
  };
  const enders = [...(expectation.conferenceEnds.get(visit.room) ?? [])];
  for (const visits of expectation.visits.values()) {
    for (const other of visits) {
      if (other === visit || other.room !== visit.room || !other.endsConference) continue;
      // An end-on-exit visit no delivery closed may leave at any time after its join (the reaper).
      const unclosed = { ...other.join, ackedAt: Number.POSITIVE_INFINITY };
      enders.push(...(other.closers.length > 0 ? other.closers.map((c) => c.sent) : [unclosed]));
    }
  }
  const callbacks = expectation.platformCallbacks.get(visit.room) ?? [];
  const own = new Set(
    callbacks.filter((sent) => callOf(sent) === visit.call).map((s) => s.form.ConferenceSid),
  );
  if (own.size > 0) enders.push(...callbacks.filter((sent) => !own.has(sent.form.ConferenceSid)));
  return enders.some((ender) => overlap(ender, span));
}

/** Whether a flag change was surely applied before the visit's first closer could have been. */
export function surelyBefore(update: Sent, visit: Visit): boolean {
  const first = visit.closers[0];
  return first === undefined || (update.ackedAt ?? Number.POSITIVE_INFINITY) < first.sent.sentAt;
}
