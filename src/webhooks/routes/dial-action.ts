// The <Dial action> URL: the platform is done with the <Dial>, so the call has left the conference, though
// the call itself may go on. Empty TwiML ends it, as a <Dial> with no action would.

import { mintCommandId } from '../../commands/command-id.js';
import { missing } from '../errors.js';
import { route } from '../route.js';
import { emptyResponse } from '../twiml.js';

export const dialAction = route({
  path: '/webhooks/dial-action',
  parse(params, { now }) {
    const callSid = params.sid('CallSid', 'CA') ?? missing('CallSid');
    const room = params.name('FriendlyName') ?? null;
    // Absent from the actions of TwiML answered before visits were counted.
    const visit = params.integer('Visit', 1, 2 ** 31 - 1) ?? null;
    return {
      command: {
        type: 'LeaveConference',
        ...mintCommandId(now),
        data: { callSid, reason: 'dial-ended', sequenceNumber: null },
      },
      keyFields: [callSid, params.text('DialCallStatus') ?? null, room, visit],
      visit: visit === null ? undefined : visit,
      room,
      extra: null,
    };
  },
  reply: () => emptyResponse(),
});
