// The one way Conclave writes XML, for the REST API's documents and for TwiML alike: fast-xml-parser's
// builder, with attributes as `@name` keys and text as `#text`. Every value is escaped, and characters XML 1.0
// cannot carry at all, even escaped, become U+FFFD, so a label or room name can never break a document.

import { XMLBuilder } from 'fast-xml-parser';

export type XmlValue = string | number | boolean | null | XmlObject | XmlValue[];
export interface XmlObject {
  [key: string]: XmlValue;
}

const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

const carriable = (_name: string, value: unknown) => String(value).replace(NOT_XML_CHAR, '\uFFFD');

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  textNodeName: '#text',
  // Otherwise an attribute whose value is "true" is written bare (<Conference beep>), which is not XML.
  suppressBooleanAttributes: false,
  tagValueProcessor: carriable,
  attributeValueProcessor: carriable,
});

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

/** The elements `root` describes; a null value is an empty element (`<Hangup/>`). */
export function xmlElements(root: XmlObject): string {
  return builder.build(root) as string;
}
