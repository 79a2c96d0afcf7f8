// Run by `npm run build`: writes the migrated PGlite template that new embedded databases start from.

import { pgliteDatabase } from './database.js';
import { migrate } from './migrate.js';
import { TEMPLATE_PATH, writeTemplate } from './pglite-template.js';

await writeTemplate(async (pglite) => void (await migrate(pgliteDatabase(pglite))));
console.log(`PGlite template written to ${TEMPLATE_PATH}`);
