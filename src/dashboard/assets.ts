// The dashboard's stylesheet, script and icon are files in src/dashboard/assets (copied to
// dist/src/dashboard/assets by the build), served by Conclave itself so that nothing is ever fetched from
// elsewhere. Pages link each with a digest of its content in the query: a browser may keep it for good, and
// a changed file is a new URL.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../package-root.js';

// Found from the package's root, not from this module: the built command is one bundled file
// (scripts/bundle.ts), so this module's own URL is the bundle's there.
const runsFromSources = fileURLToPath(import.meta.url).endsWith('.ts');
export const ASSETS_DIRECTORY = join(
  packageRoot(),
  ...(runsFromSources ? ['src'] : ['dist', 'src']),
  'dashboard',
  'assets',
);
export const ASSETS_PREFIX = '/assets/';

function linked(name: string): string {
  const content = readFileSync(join(ASSETS_DIRECTORY, name));
  return `${ASSETS_PREFIX}${name}?v=${createHash('sha256').update(content).digest('hex').slice(0, 12)}`;
}

export const STYLE_PATH = linked('dashboard.css');
export const SCRIPT_PATH = linked('dashboard.js');
export const ICON_PATH = linked('icon.svg');
