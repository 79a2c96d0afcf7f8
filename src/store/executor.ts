import type { Kysely, Transaction } from 'kysely';
import type { DB } from './schema.js';

/** What repository functions take first, so that one transaction can span the log and the read models. */
export type Executor = Kysely<DB> | Transaction<DB>;
