-- The app's own callbacks: an outbox filled from the event log through the xid8 cursor, one checkpoint per
-- account, and what the fold remembers of each conference between batches.

-- An account-wide sink: every conference event of the account goes there too.
ALTER TABLE accounts ADD COLUMN events_url text;

-- How far the outbox has been filled from the event log, per account. The row is also the lock that lets
-- only one replica fill an account's outbox at a time.
CREATE TABLE callback_checkpoints (
  account_sid text PRIMARY KEY,
  transaction_id xid8 NOT NULL DEFAULT '0',
  global_position bigint NOT NULL DEFAULT 0
);

-- The fold's state per conference (domain/callbacks.ts): sequence numbers, the subscription, flags.
CREATE TABLE callback_conferences (
  account_sid text NOT NULL,
  conference_sid text NOT NULL,
  state jsonb NOT NULL,
  PRIMARY KEY (account_sid, conference_sid)
);

-- One row per callback to send. A stream is (conference, target): its rows go one after the other in
-- sequence_number order; only the oldest pending row of a stream may be claimed.
CREATE TABLE callbacks (
  account_sid text NOT NULL,
  id bigint GENERATED ALWAYS AS IDENTITY,
  conference_sid text NOT NULL,
  target text NOT NULL CHECK (target IN ('app', 'account')),
  sequence_number integer NOT NULL,
  event_id text NOT NULL,
  status_callback_event text NOT NULL,
  url text NOT NULL,
  method text NOT NULL CHECK (method IN ('GET', 'POST')),
  params jsonb NOT NULL,
  idempotency_token text NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  recorded_at timestamptz NOT NULL,
  enqueued_at timestamptz NOT NULL DEFAULT now(),
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  lease_until timestamptz,
  last_attempt_at timestamptz,
  last_status integer,
  last_error text,
  delivered_at timestamptz,
  PRIMARY KEY (account_sid, id)
);
CREATE UNIQUE INDEX callbacks_stream_order ON callbacks (account_sid, conference_sid, target, sequence_number);
CREATE INDEX callbacks_due ON callbacks (next_attempt_at) WHERE status = 'pending';
CREATE INDEX callbacks_failed ON callbacks (account_sid, id) WHERE status = 'failed';
