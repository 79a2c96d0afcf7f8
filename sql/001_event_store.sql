-- Accounts, the event log and its stream rows, the webhook inbox, and the per-call lock rows.
-- Every primary key and unique index leads with account_sid so the schema can be sharded by account.

CREATE TABLE accounts (
  account_sid text PRIMARY KEY,
  auth_token text NOT NULL,
  friendly_name text NOT NULL,
  date_created timestamptz NOT NULL DEFAULT now()
);

-- One row per room: the lock that serialises the room's commands, its stream version and a snapshot of
-- its state, so that deciding never replays history.
CREATE TABLE rooms (
  account_sid text NOT NULL,
  friendly_name text NOT NULL,
  version bigint NOT NULL DEFAULT 0,
  state jsonb NOT NULL,
  PRIMARY KEY (account_sid, friendly_name)
);

CREATE TABLE events (
  account_sid text NOT NULL,
  friendly_name text NOT NULL,
  stream_position bigint NOT NULL,
  global_position bigint GENERATED ALWAYS AS IDENTITY,
  id text NOT NULL,
  type text NOT NULL,
  data jsonb NOT NULL,
  recorded_at timestamptz NOT NULL,
  transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
  PRIMARY KEY (account_sid, friendly_name, stream_position),
  UNIQUE (account_sid, id)
);
-- The cursor of asynchronous readers: never skips a transaction that commits late.
CREATE INDEX events_transaction_order ON events (transaction_id, global_position);
-- A conference's history, in order.
CREATE INDEX events_by_conference ON events (account_sid, (data ->> 'conferenceSid'), global_position);
-- Replay in commit order for rebuild.
CREATE INDEX events_global_order ON events (global_position);

-- Every webhook delivery that was acted on, by idempotency key, with what it came to.
CREATE TABLE inbox (
  account_sid text NOT NULL,
  key text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  outcome jsonb NOT NULL,
  PRIMARY KEY (account_sid, key)
);

-- One row per call: the lock taken before any room lock, and the room its callbacks belong to.
CREATE TABLE calls (
  account_sid text NOT NULL,
  call_sid text NOT NULL,
  room text,
  ended boolean NOT NULL DEFAULT false,
  PRIMARY KEY (account_sid, call_sid)
);
