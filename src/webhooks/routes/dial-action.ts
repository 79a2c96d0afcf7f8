// The <Dial action> URL: the platform is done with the <Dial>, so the call has left the conference, though
// the call itself may go on. Empty TwiML ends it, as a <Dial> with no action would.

import { mintCommandId } from '../command-id.js';
import { missing } from '../errors.js';
import type { WebhookRoute } from '../route.js';
import { emptyResponse } from '../twiml.js';

export const dialAction: WebhookRoute = {
  path: '/webhooks/dial-action',
  async handle({ params, now, deliver }) {
    const callSid = params.sid('CallSid', 'CA') ?? missing('CallSid');
    await deliver(
      {
        type: 'LeaveConference',
        ...mintCommandId(now),
        data: { callSid, reason: 'dial-ended', sequenceNumber: null },
      },
      [callSid, params.text('DialCallStatus') ?? null],
      params.name('FriendlyName'),
    );
    return emptyResponse();
  },
};
