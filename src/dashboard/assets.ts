// The dashboard's stylesheet, script and icon are files in ./assets (copied beside the compiled module by
// the build), served by Conclave itself so that nothing is ever fetched from elsewhere. Pages link each with
// a digest of its content in the query: a browser may keep it for good, and a changed file is a new URL.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ASSETS_DIRECTORY = fileURLToPath(new URL('./assets/', import.meta.url));
export const ASSETS_PREFIX = '/assets/';

function linked(name: string): string {
  const content = readFileSync(new URL(`./assets/${name}`, import.meta.url));
  return `${ASSETS_PREFIX}${name}?v=${createHash('sha256').update(content).digest('hex').slice(0, 12)}`;
}

export const STYLE_PATH = linked('dashboard.css');
export const SCRIPT_PATH = linked('dashboard.js');
export const ICON_PATH = linked('icon.svg');
