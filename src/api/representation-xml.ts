// XML as Twilio renders it: the JSON resource's fields become PascalCase elements (nulls empty, booleans
// as true/false), a list becomes an element whose attributes carry the paging envelope, and everything
// sits inside <TwilioResponse>. XML is derived from the JSON representation so that the two cannot drift.

import { XML_DECLARATION, type XmlObject, type XmlValue, xmlElements } from '../xml.js';

/** `date_created` and `dateCreated` both become `DateCreated`. */
function elementName(key: string): string {
  return key
    .split('_')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/** The same value with every object key renamed to its element name. */
function elements(value: XmlValue): XmlValue {
  if (Array.isArray(value)) return value.map(elements);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [elementName(key), elements(inner)]));
}

function document(body: XmlObject): string {
  return `${XML_DECLARATION}\n${xmlElements({ TwilioResponse: body })}`;
}

/** One resource, e.g. `<Conference>…</Conference>`, or an error as `<RestException>`. */
export function xmlResource(name: string, resource: XmlObject): string {
  return document({ [name]: elements(resource) });
}

/** A list page: `<Conferences page="0" pagesize="50" …><Conference>…</Conference>…</Conferences>`. */
export function xmlList(
  name: string,
  itemName: string,
  envelope: Record<string, string | number | null>,
  items: XmlObject[],
): string {
  // Twilio's list attributes are the envelope's names run together in lower case: first_page_uri → firstpageuri.
  const attributes = Object.fromEntries(
    Object.entries(envelope).map(([key, value]) => [`@${key.replace(/_/g, '')}`, value ?? '']),
  );
  return document({ [name]: { ...attributes, [itemName]: items.map(elements) } });
}
