// The <Conference statusCallback>: what the platform saw happen in a conference. Every callback names the
// platform's ConferenceSid and Timestamp, by which the room finds the instance it is about (see `locate` in
// the domain). Participant events carry the participant's flags as they stand after the event, and a
// SequenceNumber that lets the room ignore one that arrives after a later one. Events Conclave does not
// record (speech, announcements) are acknowledged and dropped.

import { mintCommandId } from '../../commands/command-id.js';
import type { Reported as ReportedInstance, RoomCommand } from '../../domain/commands.js';
import {
  PARTICIPANT_CALL_STATUSES,
  PARTICIPANT_LEFT_REASONS,
  type PlatformLeave,
} from '../../domain/events.js';
import { DEFAULT_ATTRIBUTES, joinAttributes } from '../attributes.js';
import { missing } from '../errors.js';
import type { WebhookParams } from '../parameters.js';
import { route } from '../route.js';

interface Reported {
  params: WebhookParams;
  friendlyName: string;
  instance: ReportedInstance;
  sequenceNumber: number | null;
  now: number;
}

function reportedCallSid(params: WebhookParams): string {
  return params.sid('CallSid', 'CA') ?? missing('CallSid');
}

// A call Conclave did not place (added through the platform's API, say) or one the platform moved here
// from another room joins here; for a call our TwiML placed, the room already has it and the join only
// tells the platform's Sid. Twilio's participant-join says whether the participant coaches, and whom only
// where it sends CallSidToCoach.
function join({ params, friendlyName, instance, sequenceNumber, now }: Reported): RoomCommand {
  const d = DEFAULT_ATTRIBUTES;
  const coaching = params.boolean('Coaching') ?? false;
  const coach = coaching ? (params.sid('CallSidToCoach', 'CA') ?? null) : null;
  return {
    type: 'JoinConference',
    ...mintCommandId(now),
    data: {
      callSid: reportedCallSid(params),
      friendlyName,
      from: null,
      to: null,
      attributes: joinAttributes({
        ...d,
        participantLabel: params.name('ParticipantLabel') ?? d.participantLabel,
        muted: params.boolean('Muted') ?? d.muted,
        startConferenceOnEnter: params.boolean('StartConferenceOnEnter') ?? d.startConferenceOnEnter,
        endConferenceOnExit: params.boolean('EndConferenceOnExit') ?? d.endConferenceOnExit,
        coach,
      }),
      via: 'callback',
      hold: params.boolean('Hold') ?? false,
      coaching,
      sequenceNumber,
      reported: instance,
    },
  };
}

/** Twilio's values only: one it may add later is left out rather than passed on unchecked. */
function platformLeave(params: WebhookParams): PlatformLeave | undefined {
  const known = <T extends string>(name: string, values: readonly T[]) => {
    const value = params.text(name);
    return values.find((v) => v === value) ?? null;
  };
  const reasonParticipantLeft = known('ReasonParticipantLeft', PARTICIPANT_LEFT_REASONS);
  const participantCallStatus = known('ParticipantCallStatus', PARTICIPANT_CALL_STATUSES);
  if (reasonParticipantLeft === null && participantCallStatus === null) return undefined;
  return { reasonParticipantLeft, participantCallStatus };
}

function leave({ params, instance, sequenceNumber, now }: Reported): RoomCommand {
  const platform = platformLeave(params);
  return {
    type: 'LeaveConference',
    ...mintCommandId(now),
    data: {
      callSid: reportedCallSid(params),
      reason: 'left',
      sequenceNumber,
      reported: instance,
      ...(platform && { platform }),
    },
  };
}

/** Each flag is required: one left out and taken as false would silently undo an earlier change. */
function update({ params, instance, sequenceNumber, now }: Reported): RoomCommand {
  return {
    type: 'UpdateParticipant',
    ...mintCommandId(now),
    data: {
      callSid: reportedCallSid(params),
      flags: {
        muted: params.boolean('Muted') ?? missing('Muted'),
        hold: params.boolean('Hold') ?? missing('Hold'),
        coaching: params.boolean('Coaching') ?? missing('Coaching'),
        callSidToCoach: params.sid('CallSidToCoach', 'CA') ?? null,
        endConferenceOnExit: params.boolean('EndConferenceOnExit') ?? missing('EndConferenceOnExit'),
      },
      sequenceNumber,
      reported: instance,
    },
  };
}

/** Longer than any sentence a platform writes about an end: a longer one is left out, not cut. */
const MAX_REASON_TEXT = 512;

/**
 * Twilio's free-text `Reason`, passed on to the app as the platform wrote it (its wording is not
 * documented); one Conclave cannot carry is left out, and the end it came with stands.
 */
function reasonText(params: WebhookParams): string | null {
  const text = params.textIfValid('Reason');
  return text !== undefined && [...text].length <= MAX_REASON_TEXT ? text : null;
}

function end({ params, instance, now }: Reported): RoomCommand {
  return {
    type: 'EndConference',
    ...mintCommandId(now),
    data: {
      conferenceSid: instance.conferenceSid,
      // The platform's reason wins, one Twilio adds later included: kept exactly as sent.
      reason: params.text('ReasonConferenceEnded') ?? null,
      callSidEndingConference: params.sid('CallSidEndingConference', 'CA') ?? null,
      reportedAt: instance.at,
      reasonText: reasonText(params),
    },
  };
}

function start({ instance, now }: Reported): RoomCommand {
  return { type: 'StartConference', ...mintCommandId(now), data: { reported: instance } };
}

const COMMANDS = new Map<string, (reported: Reported) => RoomCommand>([
  ['participant-join', join],
  ['participant-leave', leave],
  ['participant-mute', update],
  ['participant-unmute', update],
  ['participant-hold', update],
  ['participant-unhold', update],
  ['participant-modify', update],
  ['conference-start', start],
  ['conference-end', end],
]);

export const conferenceStatus = route({
  path: '/webhooks/conference-status',
  parse(params, { now }) {
    const event = params.text('StatusCallbackEvent') || missing('StatusCallbackEvent');
    const toCommand = COMMANDS.get(event);
    if (toCommand === undefined) return null;
    const reported: Reported = {
      params,
      friendlyName: params.name('FriendlyName') ?? missing('FriendlyName'),
      instance: {
        conferenceSid: params.sid('ConferenceSid', 'CF') ?? null,
        at: params.timestamp('Timestamp') ?? null,
      },
      sequenceNumber: params.integer('SequenceNumber', 0, Number.MAX_SAFE_INTEGER) ?? null,
      now,
    };
    const command = toCommand(reported);
    const callSid = 'callSid' in command.data ? command.data.callSid : null;
    const { conferenceSid, at } = reported.instance;
    return {
      command,
      keyFields: [event, conferenceSid, callSid, reported.sequenceNumber, at],
      room: reported.friendlyName,
      extra: null,
    };
  },
  reply: () => null,
});
