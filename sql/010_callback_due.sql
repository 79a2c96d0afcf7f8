-- A callback's retry window runs from when it became due: its first attempt, which comes only once the
-- conference's callback before it has been delivered or given up. Measured from when it was queued, a
-- callback that had waited behind a failing one was given up after a single try.
ALTER TABLE callbacks ADD COLUMN first_attempt_at timestamptz;
