// The <Conference statusCallback>: what the platform saw happen in a conference. Participant events carry
// the participant's flags as they stand after the event, and a SequenceNumber that lets the room ignore one
// that arrives after a later one. Events Conclave derives itself (conference-start) or does not record
// (speech, announcements, recordings) are acknowledged and dropped.

import { mintCommandId } from '../../commands/command-id.js';
import type { RoomCommand } from '../../domain/commands.js';
import { REASONS_CONFERENCE_ENDED } from '../../domain/events.js';
import { DEFAULT_ATTRIBUTES, joinAttributes } from '../attributes.js';
import { missing } from '../errors.js';
import type { WebhookParams } from '../parameters.js';
import { route } from '../route.js';

interface Reported {
  params: WebhookParams;
  friendlyName: string;
  conferenceSid: string | null;
  sequenceNumber: number | null;
  reportedAt: string | null;
  now: number;
}

function reportedCallSid(params: WebhookParams): string {
  return params.sid('CallSid', 'CA') ?? missing('CallSid');
}

// A call Conclave did not place (added through the platform's API, say) joins here; for a call our TwiML
// placed, the room already has it and the join changes nothing.
function join({ params, friendlyName, sequenceNumber, now }: Reported): RoomCommand {
  const d = DEFAULT_ATTRIBUTES;
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
      }),
      via: 'callback',
      sequenceNumber,
    },
  };
}

function leave({ params, sequenceNumber, now }: Reported): RoomCommand {
  return {
    type: 'LeaveConference',
    ...mintCommandId(now),
    data: { callSid: reportedCallSid(params), reason: 'left', sequenceNumber },
  };
}

/** Each flag is required: one left out and taken as false would silently undo an earlier change. */
function update({ params, sequenceNumber, now }: Reported): RoomCommand {
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
    },
  };
}

function end({ params, conferenceSid, reportedAt, now }: Reported): RoomCommand {
  const reason = params.text('ReasonConferenceEnded');
  return {
    type: 'EndConference',
    ...mintCommandId(now),
    data: {
      conferenceSid,
      // A reason Twilio adds later still ends the conference: recorded without a reason, not refused.
      reason: REASONS_CONFERENCE_ENDED.find((known) => known === reason) ?? null,
      callSidEndingConference: params.sid('CallSidEndingConference', 'CA') ?? null,
      reportedAt,
    },
  };
}

const COMMANDS = new Map<string, (reported: Reported) => RoomCommand>([
  ['participant-join', join],
  ['participant-leave', leave],
  ['participant-mute', update],
  ['participant-unmute', update],
  ['participant-hold', update],
  ['participant-unhold', update],
  ['participant-modify', update],
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
      conferenceSid: params.sid('ConferenceSid', 'CF') ?? null,
      sequenceNumber: params.integer('SequenceNumber', 0, Number.MAX_SAFE_INTEGER) ?? null,
      reportedAt: params.timestamp('Timestamp') ?? null,
      now,
    };
    const command = toCommand(reported);
    const callSid = 'callSid' in command.data ? command.data.callSid : null;
    return {
      command,
      keyFields: [event, reported.conferenceSid, callSid, reported.sequenceNumber, reported.reportedAt],
      room: reported.friendlyName,
      extra: null,
    };
  },
  reply: () => null,
});
