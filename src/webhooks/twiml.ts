// The TwiML documents Conclave answers with. The builder escapes every value, so a room name or a label
// holding & < > " ' or any Unicode reaches the platform exactly as the caller wrote it.

import { XML_DECLARATION, type XmlObject, xmlElements } from '../xml.js';
import type { ConferenceAttributes } from './attributes.js';

/** The conference events Conclave asks to be told about: every one that changes what it records. */
const STATUS_CALLBACK_EVENTS = 'start end join leave mute hold modify';

/** The recording events Conclave asks for: every status a recording can be reported in. */
export const RECORDING_STATUS_CALLBACK_EVENTS = 'in-progress completed absent';

export interface CallbackUrls {
  dialAction: string;
  conferenceStatus: string;
  recordingStatus: string;
}

function document(response: XmlObject | null): string {
  return XML_DECLARATION + xmlElements({ Response: response });
}

type XmlAttributes = { [name: `@${string}`]: string };

function attributesOf(values: { [name: string]: string | number | boolean | null }): XmlAttributes {
  const out: XmlAttributes = {};
  for (const [name, value] of Object.entries(values)) {
    if (value !== null) out[`@${name}`] = String(value);
  }
  return out;
}

export function dialConference(
  friendlyName: string,
  attributes: ConferenceAttributes,
  urls: CallbackUrls,
  visit: number | undefined,
): string {
  // The room rides along (signed with the URL), so that a late action for a room the call has since left is
  // not taken for a leave of the room it is in now, and so that a recording callback, which names no room,
  // finds its own; the action also names the call's visit, so that a second visit's leave is not taken for
  // a retry of the first's.
  const room = `?FriendlyName=${encodeURIComponent(friendlyName)}`;
  const recording: { [name: string]: string } =
    attributes.record === 'do-not-record'
      ? {}
      : {
          recordingStatusCallback: urls.recordingStatus + room,
          recordingStatusCallbackMethod: 'POST',
          recordingStatusCallbackEvent: RECORDING_STATUS_CALLBACK_EVENTS,
        };
  const action = `${urls.dialAction}${room}${visit === undefined ? '' : `&Visit=${visit}`}`;
  return document({
    Dial: {
      ...attributesOf({ action, method: 'POST' }),
      Conference: {
        ...attributesOf({
          ...attributes,
          statusCallback: urls.conferenceStatus,
          statusCallbackMethod: 'POST',
          statusCallbackEvent: STATUS_CALLBACK_EVENTS,
          ...recording,
        }),
        '#text': friendlyName,
      },
    },
  });
}

/** For a caller turned away from a full conference: say so, then hang up. */
export function conferenceFull(): string {
  return document({
    Say: 'Sorry, this conference has reached its maximum number of participants. Please call again later.',
    Hangup: null,
  });
}

export function hangUp(): string {
  return document({ Hangup: null });
}

/** Nothing more to do: the platform ends the call, as it would after a <Dial> with no action. */
export function emptyResponse(): string {
  return document(null);
}
