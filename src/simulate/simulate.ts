// Plays call flows in several rooms at once against a running Conclave and sums up what happened.

import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SimulationOptions } from './options.js';
import { type FlowCounts, NO_COUNTS, runRoom } from './room-flow.js';
import { Sender, Tally } from './sender.js';

/** One delivery in ten is repeated, as an edge does when it is unsure the first one arrived. */
const REPEAT_RATE = 0.1;

// Names with characters that XML must escape and text beyond ASCII, so that every run also checks that
// room names come back exactly as sent.
const ROOM_NAMES = [
  'Sales stand-up',
  'R&D <weekly>',
  'Café "Ünïcode" ☃',
  "O'Brien & Partners",
  '日本語の会議',
];

export interface Progress {
  roomsDone: number;
  rooms: number;
  counts: FlowCounts;
  tally: Tally;
  seconds: number;
}

export async function simulate(
  options: SimulationOptions,
  onProgress: (progress: Progress) => void = () => {},
  random: () => number = Math.random,
): Promise<Progress> {
  const tally = new Tally();
  const counts: FlowCounts = { ...NO_COUNTS };
  // A join, a change and a leave per caller: the steps over which a room's duration is spread.
  const stepMs = (options.duration * 1000) / (options.callers * 3);
  const context = {
    sender: new Sender(options, tally, REPEAT_RATE, random),
    accountSid: options.accountSid,
    publicUrl: options.publicUrl,
    callers: options.callers,
    moves: true,
    random,
    pause: async () => {
      if (stepMs > 0) await sleep(stepMs * (0.5 + random()));
    },
    counts,
  };
  // Rooms of this run are set apart from those of earlier runs, which may still be live.
  const run = randomBytes(2).toString('hex');
  const names = Array.from(
    { length: options.rooms },
    (_, i) => `${ROOM_NAMES[i % ROOM_NAMES.length]} ${Math.floor(i / ROOM_NAMES.length) + 1} · ${run}`,
  );
  const started = performance.now();
  let roomsDone = 0;
  const progress = (): Progress => ({
    roomsDone,
    rooms: options.rooms,
    counts,
    tally,
    seconds: (performance.now() - started) / 1000,
  });
  const ticker = setInterval(() => onProgress(progress()), 250);
  try {
    await Promise.all(
      names.map(async (name) => {
        await runRoom(context, name);
        roomsDone += 1;
      }),
    );
  } finally {
    clearInterval(ticker);
  }
  onProgress(progress());
  return progress();
}
