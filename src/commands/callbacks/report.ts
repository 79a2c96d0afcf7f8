// One callback as `conclave callbacks list` shows it: where it goes, what became of it, and when it is
// tried next (or which earlier callback of its conference it waits behind, that it waits for the platform to
// name its conference, or that it is being sent now), so that the retry schedule can be read off the list.

import { redactUrl } from '../../domain/callbacks.js';
import type { CallbackRecord } from '../../store/callbacks.js';

export function formatCallback(c: CallbackRecord): string {
  const outcome =
    c.status === 'delivered'
      ? `delivered ${c.deliveredAt?.toISOString()}`
      : c.status === 'failed'
        ? 'failed'
        : c.sending
          ? 'pending, being sent'
          : c.waitingFor !== null
            ? `pending, after #${c.waitingFor}`
            : c.heldUntil !== null
              ? `pending, waiting for the platform's Sid until ${c.heldUntil.toISOString()}`
              : `pending, next try ${c.nextAttemptAt?.toISOString()}`;
  return [
    `#${c.id}`,
    c.conferenceSid,
    `seq ${c.sequenceNumber}`,
    c.statusCallbackEvent,
    c.target === 'account' ? 'account sink' : 'app',
    `${c.method} ${redactUrl(c.url)}`,
    `${outcome}`,
    `${c.attempts} attempt${c.attempts === 1 ? '' : 's'}`,
    ...(c.lastAttemptAt ? [`last try ${c.lastAttemptAt.toISOString()}`] : []),
    ...(c.lastError ? [`last error: ${c.lastError}`] : []),
  ].join('  ');
}
