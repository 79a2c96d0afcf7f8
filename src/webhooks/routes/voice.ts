// The call's voice URL: put the call in the room the query names, and answer the TwiML that takes it there
// with every <Conference> attribute and Conclave's own callbacks (the recording's too, when it records).
// The TwiML depends only on the request and on whether the call got in, so a repeated request for a call
// already in the room gets the same one.

import { mintCommandId } from '../../commands/command-id.js';
import {
  type ConferenceAttributes,
  joinAttributes,
  parseAppCallbacks,
  parseConferenceAttributes,
} from '../attributes.js';
import { missing } from '../errors.js';
import { route } from '../route.js';
import { conferenceFull, dialConference, hangUp } from '../twiml.js';

interface Dialled {
  friendlyName: string;
  attributes: ConferenceAttributes;
}

export const voice = route<Dialled>({
  path: '/webhooks/voice',
  parse(params, { now, publicUrl }) {
    const callSid = params.sid('CallSid', 'CA') ?? missing('CallSid');
    const friendlyName = params.name('FriendlyName') ?? missing('FriendlyName');
    const { attributes, warnings, failure } = parseConferenceAttributes(params, publicUrl);
    const asked = parseAppCallbacks(params);
    const callbacks = asked.callbacks;
    return {
      command: {
        type: 'JoinConference',
        ...mintCommandId(now),
        data: {
          callSid,
          friendlyName,
          from: params.address('From') ?? null,
          to: params.address('To') ?? null,
          attributes: { ...joinAttributes(attributes), ...(callbacks && { callbacks }) },
          via: 'voice',
          warnings,
          failure: failure ?? asked.failure,
          sequenceNumber: null,
        },
      },
      keyFields: [callSid, friendlyName],
      visit: 'opens',
      room: null,
      extra: { friendlyName, attributes },
    };
  },
  // A join that cannot happen ends the call, as Twilio goes on to the next verb and there is none.
  reply(outcome, { friendlyName, attributes }, urls) {
    if (outcome.result !== 'rejected') {
      const visit = outcome.result === 'joined' ? outcome.visit : undefined;
      return dialConference(friendlyName, attributes, urls, visit);
    }
    return outcome.reason === 'conference-full' ? conferenceFull() : hangUp();
  },
});
