// How one delivery from the edge becomes events: which rooms it touches, in which order, and what each of
// them decides. Pure, so that the store (which locks the rooms named by `plan` and then calls `decideEach`) and the
// model in the tests follow exactly the same rules.

import { type CallState, evolveCall } from './call.js';
import type { JoinConference, RoomCommand } from './commands.js';
import { callSidOf, type RoomEvent } from './events.js';
import { nextUlid } from './ids.js';
import { decide, evolve, type RoomState } from './room.js';

/**
 * The stream of calls that ended before joining any room. The edge never accepts an empty FriendlyName,
 * so no real room can share it.
 */
export const NO_ROOM = '';

/** A command and the room it is addressed to. */
export interface AddressedCommand {
  room: string;
  command: RoomCommand;
}

/** The rooms a command touches, in order; the caller locks them before `decideEach`. */
export function plan(command: RoomCommand, call: CallState, namedRoom: string | null): AddressedCommand[] {
  switch (command.type) {
    case 'JoinConference':
      return planJoin(command, call);
    case 'EndConference':
    case 'StartConference':
    case 'ReportRecording':
      return namedRoom === null ? [] : [{ room: namedRoom, command }];
    case 'EndCall':
      // An end must be remembered even for a call that joined nothing yet: its join may still be in flight.
      return [{ room: call.room ?? NO_ROOM, command }];
    default: {
      // The platform's conference callbacks say which room they are about; the call may have moved since.
      const room = namedRoom ?? call.room;
      return room === null ? [] : [{ room, command }];
    }
  }
}

function planJoin(command: JoinConference, call: CallState): AddressedCommand[] {
  const target = command.data.friendlyName;
  const join = { room: target, command };
  if (call.room === null || call.room === target || call.ended) return [join];
  // A call is in one place. Our TwiML moving it to another room first takes it out of the one it is in
  // (the platform has left that <Dial> whatever comes of the join); a join the platform reports in another
  // room (moved by its API, a warm transfer) takes it out only once it has joined there.
  const moved = (reported?: { to: string; reportedAt: string | null }): AddressedCommand => ({
    room: call.room as string,
    command: {
      type: 'LeaveConference',
      id: command.id,
      at: command.at,
      data: { callSid: command.data.callSid, reason: 'moved', sequenceNumber: null, ...reported },
    },
  });
  if (command.data.via === 'voice') return [moved(), join];
  return [join, moved({ to: target, reportedAt: command.data.reported?.at ?? null })];
}

export interface IdentifiedEvent {
  id: string;
  event: RoomEvent;
}

export interface Applied {
  room: string;
  events: IdentifiedEvent[];
  state: RoomState;
}

export interface DeliveryDecision {
  applied: Applied[];
  call: CallState;
}

/**
 * Decides each step against its room's state (`states[i]` for `steps[i]`), threading the call's state
 * through. Event ids continue from the command's id, so a conference opened by a step gets the Sid of the
 * first event of that step.
 */
export function decideEach(
  command: RoomCommand,
  steps: AddressedCommand[],
  states: RoomState[],
  call: CallState,
): DeliveryDecision {
  const callSid = 'callSid' in command.data ? command.data.callSid : null;
  const applied: Applied[] = [];
  let callAfter = call;
  let count = 0;
  for (const [i, step] of steps.entries()) {
    const stepId = nextUlid(command.id, count);
    const decision = decide(
      { ...step.command, id: stepId } as RoomCommand,
      states[i] as RoomState,
      callAfter,
    );
    const events = decision.events.map((event, n) => ({ id: nextUlid(stepId, n), event }));
    for (const { event } of events) {
      if (callSid !== null && callSidOf(event) === callSid)
        callAfter = evolveCall(callAfter, step.room, event);
    }
    applied.push({ room: step.room, events, state: decision.events.reduce(evolve, states[i] as RoomState) });
    count += events.length;
  }
  return { applied, call: callAfter };
}
