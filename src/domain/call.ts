// What Conclave knows about one call across rooms: the room it last joined (where its later callbacks
// belong) and whether it has ended. Only the call's own webhooks change it, under the call's lock, so the
// room it names is a pointer, not a claim that the call is still there: the room's state says that.

import type { RoomEvent } from './events.js';

export interface CallState {
  room: string | null;
  ended: boolean;
}

export const initialCallState: CallState = { room: null, ended: false };

export function evolveCall(call: CallState, room: string, event: RoomEvent): CallState {
  switch (event.type) {
    case 'ParticipantJoined':
    case 'UnknownCallLeft':
      return { ...call, room };
    case 'CallEnded':
      return { ...call, ended: true };
    default:
      return call;
  }
}
