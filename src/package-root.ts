import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The directory of Conclave's package.json, whether the code runs from src/ or from dist/src/. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'sql', '001_event_store.sql'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error("Conclave's package directory (with sql/) was not found");
    dir = parent;
  }
  return dir;
}
