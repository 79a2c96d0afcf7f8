-- A call's visits to rooms through the voice webhook: how many it has made, and the room of the last one and
-- whether it was turned away. Without the platform's idempotency token this is what tells a retry of a
-- voice request (same visit) from a call that left and came back (next visit), and what lets a <Dial
-- action> name the visit it ends. Bookkeeping of deliveries, like the inbox, not derived from events:
-- written only under the call's lock (the calls row), never by a rebuild.
CREATE TABLE call_visits (
  account_sid text NOT NULL,
  call_sid text NOT NULL,
  visit integer NOT NULL DEFAULT 0,
  room text,
  turned_away boolean NOT NULL DEFAULT false,
  PRIMARY KEY (account_sid, call_sid)
);
