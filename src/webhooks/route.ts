// The contract of a webhook route: read the request into a command, and turn what the delivery came to
// into the answer. The plugin does the rest (authenticate, key, run), the same way for every route.

import type { Outcome } from '../commands/index.js';
import type { RoomCommand } from '../domain/commands.js';
import type { WebhookParams } from './parameters.js';
import type { CallbackUrls } from './twiml.js';

export interface ParseContext {
  /** When the request arrived, by the app's clock: the time of whatever it records. */
  now: number;
  publicUrl: string;
}

export interface Parsed<Extra = unknown> {
  command: RoomCommand;
  /** What tells this delivery from others when the platform sent no idempotency token. */
  keyFields: readonly (string | number | null)[];
  /** The room the request names, where it names one. */
  room: string | null;
  /** Whatever else the reply needs from the request. */
  extra: Extra;
}

export interface WebhookRoute<Extra = unknown> {
  path: `/webhooks/${string}`;
  /** The command the request asks for, or null when it asks for nothing (answered with an empty 204). */
  parse(params: WebhookParams, context: ParseContext): Parsed<Extra> | null;
  /** TwiML to send as text/xml, or null for an empty 204. */
  reply(outcome: Outcome, extra: Extra, urls: CallbackUrls): string | null;
}

/** Lets a table of routes with different extras be walked as one list. */
export function route<Extra>(definition: WebhookRoute<Extra>): WebhookRoute {
  return definition as WebhookRoute;
}
