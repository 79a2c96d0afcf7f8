// Given / when / then over the decider, after Emmett's DeciderSpecification. The history is given as the
// commands that made it, delivered through the store model, so that room and call states are the ones the
// store would hold; `then` names the events the last delivery records, each by the fields that matter.

import { expect } from 'vitest';
import type { RoomCommand } from '../../src/domain/commands.js';
import type { RoomEvent } from '../../src/domain/events.js';
import { type Delivery, deliver, emptyWorld, type World } from './store-model.js';

export type Input = RoomCommand | Delivery;

export type ExpectedEvent = {
  [E in RoomEvent as E['type']]: { type: E['type']; data?: Partial<E['data']> };
}[RoomEvent['type']];

function asDelivery(input: Input): Delivery {
  return 'command' in input ? input : { command: input };
}

export function given(...history: Input[]) {
  const world = history.reduce((before, input) => deliver(before, asDelivery(input)).world, emptyWorld);

  return {
    world,
    when(input: Input) {
      const result = deliver(world, asDelivery(input));
      const then = (expected: ExpectedEvent[]): World => {
        expect(result.appended.map((logged) => logged.event)).toMatchObject(expected);
        return result.world;
      };
      return {
        then,
        thenNothingHappens: (): void => {
          then([]);
        },
      };
    },
  };
}

/** A time as the platform's callbacks write their Timestamp: RFC 2822, to the second. */
export function platformTimestamp(ms: number): string {
  return new Date(ms).toUTCString().replace('GMT', '+0000');
}
