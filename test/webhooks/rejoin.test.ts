// A call that leaves a conference and comes back, to the same room or another, is recorded at every visit,
// whether or not the platform sends I-Twilio-Idempotency-Token, while each request is retried three times
// at random points. Without the token, a voice request is retried only while its visit lasts: once the
// call has left, the same request is what the platform sends for a new visit (the app <Redirect>ed the
// call back), so the two cannot be told apart and the voice retries here stop at the visit's leave.

import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import { seeded } from '../faults/edge.js';
import type { TestApp } from '../helpers/app.js';
import { useApp } from '../helpers/app.js';
import { databaseKinds } from '../helpers/databases.js';
import { newCallSid, type WebhookRequest, webhookClient } from './client.js';
import { parseTwiml } from './parse-twiml.js';

interface Step {
  /** Builds the request from the answers so far: a <Dial action> goes to the URL its voice answer wrote. */
  request: (answers: Map<number, string>) => WebhookRequest;
  /** The step by which this one's retries are over, when they cannot come later (see above). */
  retriesUntil?: number;
}

/** Each step once in order, and three retries of each at random points after it (within its bound). */
function withRetries(steps: Step[], random: () => number): number[] {
  const order: number[] = steps.map((_, i) => i);
  for (const [i, step] of steps.entries()) {
    for (let retry = 0; retry < 3; retry++) {
      const first = order.indexOf(i);
      const last = step.retriesUntil === undefined ? order.length : order.indexOf(step.retriesUntil);
      order.splice(first + 1 + Math.floor(random() * (last - first)), 0, i);
    }
  }
  return order;
}

async function callEvents(t: TestApp, callSid: string) {
  const rows = await t.database.db
    .selectFrom('events')
    .select(['friendly_name', 'type'])
    .where('account_sid', '=', t.account.sid)
    .where(({ ref }) => ref('data', '->>').key('callSid' as never), '=', callSid)
    .orderBy('global_position')
    .execute();
  return rows.map((row) => `${row.type} ${row.friendly_name}`);
}

async function visitsOf(t: TestApp, callSid: string) {
  const rows = await t.database.db
    .selectFrom('participants')
    .innerJoin('conferences', (join) =>
      join
        .onRef('conferences.account_sid', '=', 'participants.account_sid')
        .onRef('conferences.sid', '=', 'participants.conference_sid'),
    )
    .select(['conferences.friendly_name', 'participants.status'])
    .where('participants.account_sid', '=', t.account.sid)
    .where('participants.call_sid', '=', callSid)
    .orderBy('conferences.friendly_name')
    .execute();
  return rows.map((row) => `${row.friendly_name} ${row.status}`);
}

describe.each(databaseKinds)('a call that leaves and comes back, on $name', (kind) => {
  const t = useApp(kind);

  for (const withToken of [false, true]) {
    const mode = withToken ? 'with the idempotency token' : 'without the idempotency token';

    /** Plays `steps` with their retries; every answer to a request is the first answer to it. */
    async function play(steps: Step[], seed: number) {
      const client = webhookClient(t);
      const requests = new Map<number, WebhookRequest>();
      const answers = new Map<number, string>();
      for (const i of withRetries(steps, seeded(seed))) {
        let request = requests.get(i);
        if (request === undefined) {
          request = (steps[i] as Step).request(answers);
          if (withToken) request = { ...request, options: { ...request.options, token: randomUUID() } };
          requests.set(i, request);
        }
        const response: LightMyRequestResponse = await client.send(request);
        expect(response.statusCode, `step ${i} (seed ${seed}): ${response.body}`).toBeLessThan(300);
        const first = answers.get(i);
        if (first === undefined) answers.set(i, response.body);
        else expect(response.body, `a retry of step ${i} (seed ${seed})`).toBe(first);
      }
    }

    /** The steps of call `a` visiting `rooms` in turn while a call of each room keeps its conference going. */
    function visits(a: string, keepers: Map<string, string>, rooms: string[]): Step[] {
      const client = webhookClient(t);
      const steps: Step[] = [...keepers].map(([room, b]) => ({
        request: () => client.requests.voice(b, room),
      }));
      for (const room of rooms) {
        const voice = steps.length;
        steps.push({
          request: () => client.requests.voice(a, room),
          retriesUntil: withToken ? undefined : voice + 1,
        });
        steps.push({
          request: (answers) => {
            const action = new URL(parseTwiml(answers.get(voice) ?? '').Dial?.action ?? '');
            return client.requests.dialAction(a, {}, { query: Object.fromEntries(action.searchParams) });
          },
        });
      }
      return steps;
    }

    it(`records join, leave, rejoin of the same room and leave again ${mode}`, async () => {
      const [a, b] = [newCallSid(), newCallSid()];
      const seed = Date.now();
      const r = `R ${a}`;
      await play(visits(a, new Map([[r, b]]), [r, r]), seed);
      expect(await callEvents(t, a), `seed ${seed}`).toEqual([
        `ParticipantJoined ${r}`,
        `ParticipantLeft ${r}`,
        `ParticipantJoined ${r}`,
        `ParticipantLeft ${r}`,
      ]);
      // One conference throughout (b stayed), so one participant row, which has left.
      expect(await visitsOf(t, a)).toEqual([`${r} complete`]);
      expect(await visitsOf(t, b)).toEqual([`${r} connected`]);
    });

    it(`records join R1, leave, join R2, leave ${mode}`, async () => {
      const a = newCallSid();
      const seed = Date.now();
      const [r1, r2] = [`R1 ${a}`, `R2 ${a}`];
      await play(visits(a, new Map([r1, r2].map((room) => [room, newCallSid()])), [r1, r2]), seed);
      expect(await callEvents(t, a), `seed ${seed}`).toEqual([
        `ParticipantJoined ${r1}`,
        `ParticipantLeft ${r1}`,
        `ParticipantJoined ${r2}`,
        `ParticipantLeft ${r2}`,
      ]);
      expect(await visitsOf(t, a)).toEqual([`${r1} complete`, `${r2} complete`]);
    });
  }
});
