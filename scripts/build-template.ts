// Run by `npm run build`: writes the migrated PGlite template that new embedded databases start from.

import { pgliteDatabase } from '../src/store/database.js';
import { migrate } from '../src/store/migrate.js';
import { TEMPLATE_PATH, writeTemplate } from '../src/store/pglite-template.js';

await writeTemplate(async (pglite) => void (await migrate(pgliteDatabase(pglite))));
console.log(`PGlite template written to ${TEMPLATE_PATH}`);
