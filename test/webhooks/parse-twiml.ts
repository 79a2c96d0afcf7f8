// Reads TwiML back as the platform would, keeping every character of text and attributes as it was sent.

import { XMLParser, XMLValidator } from 'fast-xml-parser';

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  textNodeName: 'text',
  trimValues: false,
  parseTagValue: false,
  parseAttributeValue: false,
  ignoreDeclaration: true,
});

export interface Conference {
  text: string;
  [attribute: string]: string;
}

export interface TwimlResponse {
  Dial?: { action: string; method: string; Conference: Conference };
  Say?: string;
  Hangup?: string;
}

export function parseTwiml(xml: string): TwimlResponse {
  if (XMLValidator.validate(xml) !== true) throw new Error(`not well-formed XML: ${xml}`);
  const document = parser.parse(xml) as { Response?: TwimlResponse | '' };
  if (document.Response === undefined) throw new Error(`no <Response>: ${xml}`);
  return document.Response === '' ? {} : document.Response;
}

/** The <Conference> of a TwiML answer that dials one. */
export function conferenceOf(xml: string): Conference {
  const conference = parseTwiml(xml).Dial?.Conference;
  if (conference === undefined) throw new Error(`no <Dial><Conference>: ${xml}`);
  return conference;
}
