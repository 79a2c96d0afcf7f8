// The write side as the webhook plugin sees it: deliveries run against the database, and the account a
// request names, so that the plugin never holds a connection, a query builder or a row.

import type { Kysely } from 'kysely';
import type { Account } from '../domain/account.js';
import { findAccountForRequest } from '../store/accounts.js';
import type { DB } from '../store/schema.js';
import type { Delivery, DeliveryResult, StoreObserver } from './deliver.js';
import { groupCommitter } from './group-commit.js';

export interface Commands {
  /** The account a request names, remembered for a moment (see store/accounts). */
  account(sid: string): Promise<Account | undefined>;
  deliver(delivery: Delivery): Promise<DeliveryResult>;
}

// Up to 64 deliveries per transaction. On PostgreSQL two transactions in flight, so that one commits while
// the next gathers what arrives meanwhile, and a batch waiting on another replica's lock stalls only its
// lane; PGlite has one session, where a second lane only splits the batches and locks guard against no
// other transaction (docs/write-path.md).
export const MAX_BATCH = 64;

export function commandsOf(
  db: Kysely<DB>,
  observer?: StoreObserver,
  kind: 'postgres' | 'pglite' = 'postgres',
): Commands {
  const options = kind === 'postgres' ? { lanes: 2, locks: true } : { lanes: 1, locks: false };
  return {
    account: (sid) => findAccountForRequest(db, sid),
    deliver: groupCommitter(db, observer, { ...options, maxBatch: MAX_BATCH }),
  };
}

export type { Delivery, DeliveryResult, Outcome, StoreObserver } from './deliver.js';
