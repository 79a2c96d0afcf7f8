// What a webhook route gets to work with, and what it answers: TwiML, or nothing (204).

import type { RoomCommand } from '../domain/commands.js';
import type { Outcome } from '../store/handle-command.js';
import type { Params } from './parameters.js';
import type { CallbackUrls } from './twiml.js';

export interface Webhook {
  params: Params;
  publicUrl: string;
  urls: CallbackUrls;
  /** When the request arrived, by the app's clock: the time of whatever it records. */
  now: number;
  /**
   * Runs `command` once per delivery. `keyFields` tell this delivery from others when the platform sent no
   * idempotency token; `room` is the room the request names, where it names one.
   */
  deliver(
    command: RoomCommand,
    keyFields: readonly (string | number | null)[],
    room?: string,
  ): Promise<Outcome>;
}

export interface WebhookRoute {
  path: `/webhooks/${string}`;
  /** Returns TwiML to send as text/xml, or null for an empty 204. */
  handle(webhook: Webhook): Promise<string | null>;
}
