-- A callback's backoff counts the attempts of its current retry window, not all it ever had: put back by
-- `conclave callbacks retry`, or moved to a new events URL, it starts again at about a second rather than at
-- the ten minutes its earlier tries had built up. `attempts` stays the whole count, which the list shows.
ALTER TABLE callbacks ADD COLUMN window_attempts integer NOT NULL DEFAULT 0;
-- A pending callback's tries so far are taken for its window's (one put back by hand before this version
-- and tried since counts its earlier tries too: nothing tells them apart); the others are done with.
UPDATE callbacks SET window_attempts = attempts WHERE status = 'pending' AND first_attempt_at IS NOT NULL;
