// XML as Twilio renders it: the JSON resource's fields become PascalCase elements (nulls empty, booleans
// as true/false), a list becomes an element whose attributes carry the paging envelope, and everything
// sits inside <TwilioResponse>. XML is derived from the JSON representation so that the two cannot drift.

export type XmlValue = string | number | boolean | null | XmlObject | XmlValue[];
export interface XmlObject {
  [key: string]: XmlValue;
}

// Characters XML 1.0 cannot carry at all, even escaped; a label or room name might still contain them.
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

function escapeXml(text: string): string {
  return text
    .replace(NOT_XML_CHAR, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** `date_created` and `dateCreated` both become `DateCreated`. */
export function elementName(key: string): string {
  return key
    .split('_')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

function element(name: string, value: XmlValue): string {
  if (Array.isArray(value)) return value.map((item) => element(name, item)).join('');
  if (value === null) return `<${name}/>`;
  if (typeof value === 'object') return `<${name}>${children(value)}</${name}>`;
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

function children(object: XmlObject): string {
  return Object.entries(object)
    .map(([key, value]) => element(elementName(key), value))
    .join('');
}

function document(body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<TwilioResponse>${body}</TwilioResponse>`;
}

/** One resource, e.g. `<Conference>…</Conference>`, or an error as `<RestException>`. */
export function xmlResource(name: string, resource: XmlObject): string {
  return document(element(name, resource));
}

/** A list page: `<Conferences page="0" pagesize="50" …><Conference>…</Conference>…</Conferences>`. */
export function xmlList(
  name: string,
  itemName: string,
  envelope: Record<string, string | number | null>,
  items: XmlObject[],
): string {
  // Twilio's list attributes are the envelope's names run together in lower case: first_page_uri → firstpageuri.
  const attributes = Object.entries(envelope)
    .map(([key, value]) => ` ${key.replace(/_/g, '')}="${value === null ? '' : escapeXml(String(value))}"`)
    .join('');
  return document(`<${name}${attributes}>${items.map((item) => element(itemName, item)).join('')}</${name}>`);
}
