// Progress of rebuild and verify: redrawn in place on a terminal, a plain line every few seconds otherwise,
// with the events folded of the total, the rate and the time left.

import { describe, expect, it } from 'vitest';
import { deliver } from '../src/commands/deliver.js';
import { foldLine, foldProgress, type Output, progressDisplay } from '../src/progress.js';
import { rebuild } from '../src/reads/rebuild.js';
import { verify } from '../src/reads/verify.js';
import { newAccount, saveAccount } from '../src/store/accounts.js';
import { callSid, commands } from './helpers/commands.js';
import { databaseKinds } from './helpers/databases.js';

function output(isTTY: boolean): Output & { text: string } {
  return {
    isTTY,
    text: '',
    write(text: string) {
      this.text += text;
    },
  };
}

describe('progress lines', () => {
  it('redraws one line on a terminal and ends it with a newline', () => {
    const out = output(true);
    const display = progressDisplay(out);
    display.show('rebuild: 1 of 3');
    display.show('rebuild: 3 of 3');
    display.end();
    expect(out.text).toBe('\rrebuild: 1 of 3\u001b[K\rrebuild: 3 of 3\u001b[K\n');
  });

  it('writes a plain line every few seconds when not on a terminal, and nothing else', () => {
    let now = 0;
    const out = output(false);
    const display = progressDisplay(out, { plainEveryMs: 5000, now: () => now });
    for (const [at, line] of [
      [100, 'a'],
      [4999, 'b'],
      [5000, 'c'],
      [9000, 'd'],
      [10_000, 'e'],
    ] as const) {
      now = at;
      display.show(line);
    }
    display.end();
    expect(out.text).toBe('c\ne\n');
  });

  it('says the events folded of the total, the rate and the time left', () => {
    expect(foldLine('rebuild', 420_000, 1_000_000, 10_000)).toBe(
      'rebuild: 420,000 of 1,000,000 events (42%), 42,000 events/s, about 14 s left',
    );
    expect(foldLine('verify', 0, 0, 0)).toBe('verify: 0 of 0 events (100%), 0 events/s, time left unknown');
  });
});

for (const kind of databaseKinds) {
  describe(`rebuild and verify report their progress (${kind.name})`, () => {
    it('counts up to every event of the log', async () => {
      const database = await kind.create();
      try {
        const account = newAccount('Progress');
        await saveAccount(database.db, account);
        const c = commands();
        const flow = [
          c.join(callSid(1), 'a'),
          c.join(callSid(2), 'a'),
          c.hangUp(callSid(1)),
          c.join(callSid(3), 'b'),
        ];
        for (const [i, command] of flow.entries()) {
          await deliver(database.db, { accountSid: account.sid, key: `k${i}`, command, room: null });
        }
        const total = Number(
          (
            await database.db
              .selectFrom('events')
              .select((eb) => eb.fn.countAll<string>().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        );
        expect(total).toBeGreaterThan(flow.length - 1);

        const seen: [number, number][] = [];
        await rebuild(database, (folded, of) => seen.push([folded, of]));
        expect(seen.at(-1)).toEqual([total, total]);

        const terminal = output(true);
        const display = progressDisplay(terminal);
        expect((await verify(database, 100, foldProgress(display, 'verify'))).differences).toEqual([]);
        display.end();
        expect(terminal.text).toMatch(
          new RegExp(
            `^\\rverify: ${total} of ${total} events \\(100%\\), [\\d,]+ events/s, about 0 s left\\u001b\\[K\\n$`,
          ),
        );
      } finally {
        await database.drop();
      }
    });
  });
}
