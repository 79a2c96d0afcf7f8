-- Dashboard sessions ended by a logout before their expiry. A session cookie is checked by any replica
-- without state of its own; this table is what tells every replica that a logged-out cookie is no longer
-- good. A row is needed only until the session would have expired anyway, and is then deleted.
CREATE TABLE ended_sessions (
  account_sid text NOT NULL,
  session_id text NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (account_sid, session_id)
);
CREATE INDEX ended_sessions_expiry ON ended_sessions (expires_at);
