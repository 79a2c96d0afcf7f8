// The call's status callback: a terminal CallStatus ends the call, which takes it out of its conference
// and keeps it out of every room from then on. Progress statuses change nothing.

import { mintCommandId } from '../../commands/command-id.js';
import { TERMINAL_CALL_STATUSES } from '../../domain/events.js';
import { missing } from '../errors.js';
import { route } from '../route.js';

export const callStatus = route({
  path: '/webhooks/call-status',
  parse(params, { now }) {
    const callSid = params.sid('CallSid', 'CA') ?? missing('CallSid');
    const status = params.text('CallStatus') || missing('CallStatus');
    const callStatus = TERMINAL_CALL_STATUSES.find((terminal) => terminal === status);
    if (callStatus === undefined) return null;
    const reportedAt = params.timestampIfValid('Timestamp') ?? null;
    return {
      command: { type: 'EndCall', ...mintCommandId(now), data: { callSid, callStatus, reportedAt } },
      keyFields: [callSid, callStatus],
      room: null,
      extra: null,
    };
  },
  reply: () => null,
});
