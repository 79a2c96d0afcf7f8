// Writes what an event changes in the read models. The live append and rebuild both come through here, so
// a rebuild reproduces the live rows exactly; every time written is the event's own.

import type { Updateable } from 'kysely';
import type { RoomEvent } from '../domain/events.js';
import type { Executor } from './executor.js';
import type { ParticipantsTable } from './schema.js';

export async function project(executor: Executor, accountSid: string, event: RoomEvent): Promise<void> {
  switch (event.type) {
    case 'ConferenceOpened': {
      const d = event.data;
      await executor
        .insertInto('conferences')
        .values({
          account_sid: accountSid,
          sid: d.conferenceSid,
          friendly_name: d.friendlyName,
          status: 'init',
          region: d.region,
          date_created: d.at,
          date_updated: d.at,
          reason_conference_ended: null,
          call_sid_ending_conference: null,
        })
        .execute();
      return;
    }
    case 'ParticipantJoined': {
      const d = event.data;
      const row = {
        label: d.label,
        status: 'connected' as const,
        muted: d.muted,
        hold: d.hold,
        coaching: d.coaching,
        call_sid_to_coach: d.callSidToCoach,
        start_conference_on_enter: d.startConferenceOnEnter,
        end_conference_on_exit: d.endConferenceOnExit,
        beep: d.beep,
        from_number: d.from,
        to_number: d.to,
        date_created: d.at,
        date_updated: d.at,
        date_left: null,
        left_reason: null,
      };
      // A call that left may come back to the same instance: it is the same participant again.
      await executor
        .insertInto('participants')
        .values({ account_sid: accountSid, conference_sid: d.conferenceSid, call_sid: d.callSid, ...row })
        .onConflict((oc) => oc.columns(['account_sid', 'conference_sid', 'call_sid']).doUpdateSet(row))
        .execute();
      await touchConference(executor, accountSid, d.conferenceSid, d.at);
      return;
    }
    case 'ConferenceStarted':
      await executor
        .updateTable('conferences')
        .set({ status: 'in-progress', date_updated: event.data.at })
        .where('account_sid', '=', accountSid)
        .where('sid', '=', event.data.conferenceSid)
        .execute();
      return;
    case 'ParticipantUpdated': {
      const d = event.data;
      await updateParticipant(executor, accountSid, d.conferenceSid, d.callSid, {
        muted: d.muted,
        hold: d.hold,
        coaching: d.coaching,
        call_sid_to_coach: d.callSidToCoach,
        end_conference_on_exit: d.endConferenceOnExit,
        date_updated: d.at,
      });
      await touchConference(executor, accountSid, d.conferenceSid, d.at);
      return;
    }
    case 'ParticipantLeft': {
      const d = event.data;
      await updateParticipant(executor, accountSid, d.conferenceSid, d.callSid, {
        status: 'complete',
        date_left: d.at,
        left_reason: d.reason,
        date_updated: d.at,
      });
      await touchConference(executor, accountSid, d.conferenceSid, d.at);
      return;
    }
    case 'ConferenceEnded':
      await executor
        .updateTable('conferences')
        .set({
          status: 'completed',
          reason_conference_ended: event.data.reason,
          call_sid_ending_conference: event.data.callSidEndingConference,
          date_updated: event.data.at,
        })
        .where('account_sid', '=', accountSid)
        .where('sid', '=', event.data.conferenceSid)
        .execute();
      return;
    case 'CallEnded':
    case 'JoinRejected':
    case 'UnknownCallLeft':
      return;
  }
}

async function touchConference(
  executor: Executor,
  accountSid: string,
  sid: string,
  at: string,
): Promise<void> {
  await executor
    .updateTable('conferences')
    .set({ date_updated: at })
    .where('account_sid', '=', accountSid)
    .where('sid', '=', sid)
    .execute();
}

async function updateParticipant(
  executor: Executor,
  accountSid: string,
  conferenceSid: string,
  callSid: string,
  changes: Updateable<ParticipantsTable>,
): Promise<void> {
  await executor
    .updateTable('participants')
    .set(changes)
    .where('account_sid', '=', accountSid)
    .where('conference_sid', '=', conferenceSid)
    .where('call_sid', '=', callSid)
    .execute();
}
