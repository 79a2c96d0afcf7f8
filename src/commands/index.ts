// The write side as the webhook plugin sees it: deliveries run against the database, and the account a
// request names, so that the plugin never holds a connection, a query builder or a row.

import type { Kysely } from 'kysely';
import type { Account } from '../domain/account.js';
import { findAccountForRequest } from '../store/accounts.js';
import type { DB } from '../store/schema.js';
import { type Delivery, type DeliveryResult, deliver, type StoreObserver } from './deliver.js';

export interface Commands {
  /** The account a request names, remembered for a moment (see store/accounts). */
  account(sid: string): Promise<Account | undefined>;
  deliver(delivery: Delivery): Promise<DeliveryResult>;
}

export function commandsOf(db: Kysely<DB>, observer?: StoreObserver): Commands {
  return {
    account: (sid) => findAccountForRequest(db, sid),
    deliver: (delivery) => deliver(db, delivery, observer),
  };
}

export type { Delivery, DeliveryResult, Outcome, StoreObserver } from './deliver.js';
