// A new PGlite database costs an initdb, several seconds of WebAssembly. The build makes one database once,
// migrated, and keeps it as a tarball; a new data directory (or an in-memory database) starts from a copy of
// it instead, which takes a fraction of that. Without the tarball, PGlite simply runs initdb.

import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { create, extract } from 'tar';
import { packageRoot } from '../package-root.js';

// PostgreSQL's own marker of a data directory; holdsDatabase looks for it.
const VERSION_FILE = 'PG_VERSION';

/** A build output, like the compiled code beside it. */
export const TEMPLATE_PATH = join(packageRoot(), 'dist', 'pglite-template.tar.gz');

export function loadTemplate(): Blob | undefined {
  return existsSync(TEMPLATE_PATH) ? new Blob([readFileSync(TEMPLATE_PATH)]) : undefined;
}

/** True when `dataDir` already holds a database, which a template must never overwrite. */
export function holdsDatabase(dataDir: string): boolean {
  return existsSync(join(dataDir, VERSION_FILE));
}

// What PostgreSQL keeps in a data directory, which a cut-short unpack may have left without its version file.
const CLUSTER_ENTRY =
  /^(PG_VERSION|base|global|pg_[a-z_]+|postgresql(\.auto)?\.conf|postmaster\.(opts|pid))$/;

/**
 * The entries of `dataDir`, which holds no database yet, that neither PostgreSQL nor Conclave put there
 * (`own` tells Conclave's): a directory of other files is not one to make a database in.
 */
export function strangersIn(dataDir: string, own: (entry: string) => boolean): string[] {
  return readdirSync(dataDir).filter(
    (entry) => entry !== '.template' && !CLUSTER_ENTRY.test(entry) && !own(entry),
  );
}

/**
 * Unpacks the template into `dataDir` with native file writes, in a fraction of the time PGlite's own
 * loader takes to write the same files through its WebAssembly file system; without a template, nothing
 * (PGlite then runs initdb). The files are unpacked beside the data and moved in, the version file last, so
 * that a start cut short leaves a directory that is not taken for a database and is unpacked again by the
 * next start.
 */
export function unpackTemplate(dataDir: string): void {
  if (!existsSync(TEMPLATE_PATH)) return;
  const staging = join(dataDir, '.template');
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  extract({ file: TEMPLATE_PATH, cwd: staging, sync: true });
  const entries = readdirSync(staging).filter((entry) => entry !== VERSION_FILE);
  for (const entry of [...entries, VERSION_FILE]) {
    // Without the version file, what is there of PostgreSQL's own is a cut-short unpack's.
    rmSync(join(dataDir, entry), { recursive: true, force: true });
    renameSync(join(staging, entry), join(dataDir, entry));
  }
  rmSync(staging, { recursive: true });
}

/**
 * Makes the template: a database on disk, prepared, then shut down cleanly so that a start from it finds
 * a checkpointed database and skips recovery (a dump of a running database would make every new database
 * replay its log first).
 */
export async function writeTemplate(prepare: (pglite: PGlite) => Promise<void>): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'conclave-template-'));
  try {
    const pglite = new PGlite(dataDir);
    try {
      await prepare(pglite);
    } finally {
      await pglite.close();
    }
    await create({ file: TEMPLATE_PATH, cwd: dataDir, gzip: true, portable: true }, readdirSync(dataDir));
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
