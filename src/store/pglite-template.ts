// A new PGlite database costs an initdb, several seconds of WebAssembly. The build makes one database once,
// migrated, and keeps it as a tarball; a new data directory (or an in-memory database) starts from a copy of
// it instead, which takes a fraction of that. Without the tarball, PGlite simply runs initdb.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { packageRoot } from './package-root.js';

/** A build output, like the compiled code beside it. */
export const TEMPLATE_PATH = join(packageRoot(), 'dist', 'pglite-template.tar.gz');

export function loadTemplate(): Blob | undefined {
  return existsSync(TEMPLATE_PATH) ? new Blob([readFileSync(TEMPLATE_PATH)]) : undefined;
}

/** True when `dataDir` already holds a database, which a template must never overwrite. */
export function holdsDatabase(dataDir: string): boolean {
  return existsSync(join(dataDir, 'PG_VERSION'));
}

export async function writeTemplate(prepare: (pglite: PGlite) => Promise<void>): Promise<void> {
  const pglite = new PGlite();
  try {
    await prepare(pglite);
    const tarball = await pglite.dumpDataDir('gzip');
    writeFileSync(TEMPLATE_PATH, Buffer.from(await tarball.arrayBuffer()));
  } finally {
    await pglite.close();
  }
}
