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

// Two transactions in flight: one commits while the next gathers what arrives meanwhile. More lanes split
// the waiting deliveries into smaller batches that contend for the same rows (docs/write-path.md).
const GROUP_COMMIT = { lanes: 2, maxBatch: 64 };

export function commandsOf(db: Kysely<DB>, observer?: StoreObserver): Commands {
  return {
    account: (sid) => findAccountForRequest(db, sid),
    deliver: groupCommitter(db, observer, GROUP_COMMIT),
  };
}

export type { Delivery, DeliveryResult, Outcome, StoreObserver } from './deliver.js';
