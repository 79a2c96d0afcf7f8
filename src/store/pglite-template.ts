// A freshly initialised PGlite data directory, made once when Conclave is built (`npm run build` runs this
// file), so that a first start on an empty DATA_DIR, and every in-memory database, loads it in a fraction
// of a second instead of running initdb in WebAssembly, which takes several. It belongs to the PGlite that
// made it: its name carries PGlite's version, and a template of another version is never looked for.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';

function packageRoot(from: string): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${from}`);
    dir = parent;
  }
  return dir;
}

function templatePath(): string {
  const pglite = packageRoot(dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite')));
  const { version } = JSON.parse(readFileSync(join(pglite, 'package.json'), 'utf8')) as { version: string };
  return join(packageRoot(import.meta.dirname), 'dist', `pglite-${version}-template.tar.gz`);
}

let template: Promise<Blob | undefined> | undefined;

/** The template, when this build has one. */
export function pgliteTemplate(): Promise<Blob | undefined> {
  template ??= (async () => {
    const path = templatePath();
    return existsSync(path) ? new Blob([readFileSync(path)]) : undefined;
  })();
  return template;
}

async function writeTemplate(): Promise<void> {
  const pglite = await PGlite.create();
  const dump = await pglite.dumpDataDir('gzip');
  await pglite.close();
  writeFileSync(templatePath(), Buffer.from(await dump.arrayBuffer()));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await writeTemplate();
