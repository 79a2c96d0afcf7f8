// The call's status callback: a terminal CallStatus ends the call, which takes it out of its conference
// and keeps it out of every room from then on. Progress statuses change nothing.

import { TERMINAL_CALL_STATUSES } from '../../domain/events.js';
import { mintCommandId } from '../command-id.js';
import { missing } from '../errors.js';
import type { WebhookRoute } from '../route.js';

export const callStatus: WebhookRoute = {
  path: '/webhooks/call-status',
  async handle({ params, now, deliver }) {
    const callSid = params.sid('CallSid', 'CA') ?? missing('CallSid');
    const status = params.text('CallStatus') || missing('CallStatus');
    const callStatus = TERMINAL_CALL_STATUSES.find((terminal) => terminal === status);
    if (callStatus === undefined) return null;
    await deliver({ type: 'EndCall', ...mintCommandId(now), data: { callSid, callStatus } }, [
      callSid,
      callStatus,
    ]);
    return null;
  },
};
