-- A callback's backoff counts the attempts of its current retry window, not all it ever had: put back by
-- `conclave callbacks retry`, or moved to a new events URL, it starts again at about a second rather than at
-- the ten minutes its earlier tries had built up. `attempts` stays the whole count, which the list shows.
ALTER TABLE callbacks ADD COLUMN window_attempts integer NOT NULL DEFAULT 0;
UPDATE callbacks SET window_attempts = attempts WHERE first_attempt_at IS NOT NULL;
