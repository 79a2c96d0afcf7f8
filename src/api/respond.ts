// Sends a resource or a list page in the representation the request asked for.

import type { FastifyReply } from 'fastify';
import type { Page } from '../reads/index.js';
import type { XmlObject } from '../xml.js';
import { type Format, suffixOf } from './format.js';
import { type EchoedParams, envelope, type Paging } from './paging.js';
import { xmlList, xmlResource } from './representation-xml.js';

const JSON_TYPE = 'application/json; charset=utf-8';
const XML_TYPE = 'application/xml; charset=utf-8';

/**
 * A resource's names: its key in a JSON list (`conferences`) and its XML element (`Conference`); and the
 * schema of its JSON representation.
 */
export interface Names {
  list: string;
  item: string;
  schema: Record<string, unknown>;
}

/** Renders an item in the representation whose URIs end with `suffix`. */
export type Render<T> = (item: T, suffix: string) => XmlObject;

export function sendResource<T>(
  reply: FastifyReply,
  format: Format,
  names: Names,
  item: T,
  render: Render<T>,
) {
  const resource = render(item, suffixOf(format));
  if (format === 'json') return reply.type(JSON_TYPE).send(resource);
  return reply.type(XML_TYPE).send(xmlResource(names.item, resource));
}

export interface PageToSend<T> {
  /** The list's path, without a representation suffix. */
  path: string;
  filters: EchoedParams;
  paging: Paging;
  page: Page<T>;
  keyOf: (item: T) => string;
}

export function sendPage<T>(
  reply: FastifyReply,
  format: Format,
  names: Names,
  { path, filters, paging, page, keyOf }: PageToSend<T>,
  render: Render<T>,
) {
  const suffix = suffixOf(format);
  const meta = envelope(`${path}${suffix}`, filters, paging, page, keyOf);
  const items = page.items.map((item) => render(item, suffix));
  if (format === 'json') return reply.type(JSON_TYPE).send({ [names.list]: items, ...meta });
  const listElement = names.list.charAt(0).toUpperCase() + names.list.slice(1);
  return reply.type(XML_TYPE).send(xmlList(listElement, names.item, { ...meta }, items));
}
