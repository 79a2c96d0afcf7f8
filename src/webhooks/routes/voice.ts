// The call's voice URL: put the call in the room the query names, and answer the TwiML that takes it there
// with every <Conference> attribute and Conclave's own callbacks. The TwiML depends only on the request
// and on whether the call got in, so a repeated request for a call already in the room gets the same one.

import { joinAttributes, parseConferenceAttributes } from '../attributes.js';
import { mintCommandId } from '../command-id.js';
import { missing } from '../errors.js';
import type { WebhookRoute } from '../route.js';
import { conferenceFull, dialConference, hangUp } from '../twiml.js';

export const voice: WebhookRoute = {
  path: '/webhooks/voice',
  async handle({ params, publicUrl, urls, now, deliver }) {
    const callSid = params.sid('CallSid', 'CA') ?? missing('CallSid');
    const friendlyName = params.name('FriendlyName') ?? missing('FriendlyName');
    const attributes = parseConferenceAttributes(params, publicUrl);
    const outcome = await deliver(
      {
        type: 'JoinConference',
        ...mintCommandId(now),
        data: {
          callSid,
          friendlyName,
          from: params.text('From') ?? null,
          to: params.text('To') ?? null,
          attributes: joinAttributes(attributes),
          via: 'voice',
          sequenceNumber: null,
        },
      },
      [callSid, friendlyName],
    );
    if (outcome.result !== 'rejected') return dialConference(friendlyName, attributes, urls);
    return outcome.reason === 'conference-full' ? conferenceFull() : hangUp();
  },
};
