// The reference model's expectation held against what the REST API answers: every acknowledged join is a
// stay in a conference of its room, in the order the call made them; every acknowledged leave, hang-up and
// move ended its stay, for one of the reasons the model allows; every flag change acknowledged while the
// stay was surely open is in its history; and nothing else is there (no stay, leave or update that no
// delivery asked for). The participants lists and the conferences' statuses must agree with the histories.

import type { LeaveReason } from '../../src/domain/events.js';
import {
  type Expectation,
  mayBeEndedByOthers,
  ownReasons,
  type Sent,
  surelyBefore,
  type Visit,
} from './reference-model.js';
import type { RestConference, RestEvent } from './rest-state.js';

export interface Accounting {
  /** Stays the model expects. */
  visits: number;
  /** Expected things the API does not show. */
  lost: string[];
  /** Things the API shows that no acknowledged delivery explains. */
  extra: string[];
}

interface Stay {
  room: string;
  conference: RestConference;
  join: RestEvent;
  left: RestEvent | null;
  updates: RestEvent[];
}

export interface AccountingOptions {
  /** Reasons a stay no delivery closed may still have left for (the reaper's 'timed-out'). */
  alsoEndedBy?: LeaveReason[];
}

/** Each call's stays, in the order they began. */
function staysOf(conferences: RestConference[]): Map<string, Stay[]> {
  const byCall = new Map<string, Stay[]>();
  for (const conference of conferences) {
    const current = new Map<string, Stay>();
    for (const event of conference.events) {
      const call = event.call_sid ?? '';
      if (event.type === 'ParticipantJoined') {
        const stay: Stay = {
          room: conference.friendly_name,
          conference,
          join: event,
          left: null,
          updates: [],
        };
        current.set(call, stay);
        byCall.set(call, [...(byCall.get(call) ?? []), stay]);
      } else if (event.type === 'ParticipantUpdated') current.get(call)?.updates.push(event);
      else if (event.type === 'ParticipantLeft') {
        const stay = current.get(call);
        if (stay) stay.left = event;
      }
    }
  }
  for (const stays of byCall.values()) stays.sort((a, b) => a.join.sid.localeCompare(b.join.sid));
  return byCall;
}

interface Flags {
  muted: unknown;
  hold: unknown;
  coaching: unknown;
}
const flagsOf = ({ data }: RestEvent): Flags => ({
  muted: data.muted,
  hold: data.hold,
  coaching: data.coaching,
});
const flagsSent = ({ form }: Sent): Flags => ({
  muted: form.Muted === 'true',
  hold: form.Hold === 'true',
  coaching: form.Coaching === 'true',
});
const same = (a: Flags, b: Flags) => a.muted === b.muted && a.hold === b.hold && a.coaching === b.coaching;

function account(
  visit: Visit,
  stay: Stay,
  expectation: Expectation,
  sentForCall: Sent[],
  options: AccountingOptions,
  result: Accounting,
): void {
  const what = `${visit.call} in ${JSON.stringify(visit.room)}`;
  const endedByOthers = mayBeEndedByOthers(visit, expectation);
  const allowed = new Set<string>([
    ...ownReasons(visit, sentForCall),
    ...(endedByOthers ? ['conference-ended'] : []),
    ...(visit.closers.length === 0 ? (options.alsoEndedBy ?? []) : []),
  ]);
  const reason = stay.left?.data.reason as string | undefined;
  if (reason !== undefined && !allowed.has(reason)) {
    result.extra.push(`${what} left for ${reason}; allowed: ${[...allowed].join(', ') || 'none'}`);
  }
  if (reason === undefined && visit.closers.length > 0) {
    result.lost.push(`${what}: its ${visit.closers[0]?.reason} is not shown`);
  }
  // Flag changes surely applied before the leave, in order; a conference ended under the call may have
  // cut them short.
  if (reason !== 'conference-ended') {
    let next = 0;
    for (const update of visit.updates.filter((u) => surelyBefore(u, visit))) {
      while (next < stay.updates.length && !same(flagsOf(stay.updates[next] as RestEvent), flagsSent(update)))
        next++;
      if (next === stay.updates.length) {
        result.lost.push(`${what}: ${update.form.StatusCallbackEvent} ${JSON.stringify(flagsSent(update))}`);
        break;
      }
      next++;
    }
  }
  const changes = expectation.flagChanges.get(visit.call) ?? [];
  for (const shown of stay.updates) {
    if (!changes.some((sent) => same(flagsSent(sent), flagsOf(shown)))) {
      result.extra.push(`${what}: an update to ${JSON.stringify(flagsOf(shown))} nobody sent`);
    }
  }
}

/** The participants lists and statuses agree with the histories. */
function crossCheck(conferences: RestConference[], stays: Map<string, Stay[]>, result: Accounting): void {
  for (const conference of conferences) {
    const last = new Map<string, Stay>();
    for (const list of stays.values())
      for (const stay of list) if (stay.conference === conference) last.set(stay.join.call_sid ?? '', stay);
    const listed = new Map(conference.participants.map((p) => [p.call_sid, p]));
    for (const [call, stay] of last) {
      const participant = listed.get(call);
      const connected = stay.left === null;
      const latest = stay.updates[stay.updates.length - 1] ?? stay.join;
      if (participant === undefined) result.lost.push(`${call} is not listed in ${conference.sid}`);
      else if ((participant.status === 'connected') !== connected)
        result.extra.push(`${call} is listed ${participant.status} in ${conference.sid}`);
      else if (connected && !same(participant, flagsOf(latest)))
        result.extra.push(`${call} is listed with flags its history does not end with`);
    }
    for (const call of listed.keys())
      if (!last.has(call)) result.extra.push(`${call} listed in ${conference.sid} never joined it`);
    const anyone = [...last.values()].some((stay) => stay.left === null);
    if (anyone === (conference.status === 'completed'))
      result.extra.push(
        `${conference.sid} is ${conference.status} with ${anyone ? 'someone' : 'no one'} in it`,
      );
  }
}

export function accountFor(
  expectation: Expectation,
  sent: Sent[],
  conferences: RestConference[],
  options: AccountingOptions = {},
): Accounting {
  const result: Accounting = { visits: 0, lost: [], extra: [...expectation.errors] };
  const stays = staysOf(conferences);
  const sentByCall = new Map<string, Sent[]>();
  for (const s of sent) {
    const call = s.form.CallSid ?? '';
    sentByCall.set(call, [...(sentByCall.get(call) ?? []), s]);
  }
  for (const call of new Set([...expectation.visits.keys(), ...stays.keys()])) {
    const visits = expectation.visits.get(call) ?? [];
    const shown = stays.get(call) ?? [];
    let i = 0;
    for (const [v, visit] of visits.entries()) {
      result.visits += 1;
      let stay = shown[i];
      if (stay === undefined || stay.room !== visit.room) {
        result.lost.push(`${call} joined ${JSON.stringify(visit.room)}: no such stay`);
        continue;
      }
      i++;
      // A join to the room the call was in: a new stay only where the conference had ended under it, and
      // only where the stays shown outnumber the visits still to match (else the next visit's stay).
      for (let r = 0; r < visit.rejoins.length; r++) {
        const after = shown[i];
        const spare = shown.length - i > visits.length - v - 1;
        if (!spare || after?.room !== visit.room || stay.left?.data.reason !== 'conference-ended') break;
        stay = after;
        i++;
      }
      account(visit, stay, expectation, sentByCall.get(call) ?? [], options, result);
    }
    for (const stay of shown.slice(i))
      result.extra.push(`${call} in ${stay.conference.sid}: no join asked for it`);
  }
  crossCheck(conferences, stays, result);
  return result;
}
