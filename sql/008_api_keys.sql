-- API keys: a second credential for the REST API, as Twilio's SK… keys are. Only a keyed hash of the secret
-- is kept (HMAC-SHA256 under a random per-key salt): the secret is shown once, when the key is created.
CREATE TABLE api_keys (
  account_sid text NOT NULL REFERENCES accounts (account_sid),
  key_sid text NOT NULL,
  friendly_name text NOT NULL,
  secret_salt bytea NOT NULL,
  secret_hash bytea NOT NULL,
  date_created timestamptz NOT NULL DEFAULT now(),
  date_revoked timestamptz,
  PRIMARY KEY (account_sid, key_sid)
);

-- Basic auth names the key alone; its Sid is random, so it finds one row.
CREATE INDEX api_keys_by_key_sid ON api_keys (key_sid);
