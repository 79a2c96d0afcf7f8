-- Conferences and participants as the REST side reads them, written in the same transaction as the events
-- they come from. Conference Sids carry the ULID of the event that opened them, so ordering by Sid is
-- ordering by creation time and keyset paging needs no second column.

CREATE TABLE conferences (
  account_sid text NOT NULL,
  sid text NOT NULL,
  friendly_name text NOT NULL,
  status text NOT NULL CHECK (status IN ('init', 'in-progress', 'completed')),
  region text,
  date_created timestamptz NOT NULL,
  date_updated timestamptz NOT NULL,
  reason_conference_ended text,
  call_sid_ending_conference text,
  PRIMARY KEY (account_sid, sid)
);
-- The guard behind the room lock: never two live instances of one room, whatever code path writes.
CREATE UNIQUE INDEX conferences_one_live_per_room ON conferences (account_sid, friendly_name)
  WHERE status <> 'completed';
CREATE INDEX conferences_by_status ON conferences (account_sid, status, sid);
CREATE INDEX conferences_by_name ON conferences (account_sid, friendly_name, sid);
CREATE INDEX conferences_by_date_updated ON conferences (account_sid, date_updated, sid);

CREATE TABLE participants (
  account_sid text NOT NULL,
  conference_sid text NOT NULL,
  call_sid text NOT NULL,
  label text,
  status text NOT NULL CHECK (status IN ('connected', 'complete')),
  muted boolean NOT NULL,
  hold boolean NOT NULL,
  coaching boolean NOT NULL,
  call_sid_to_coach text,
  start_conference_on_enter boolean NOT NULL,
  end_conference_on_exit boolean NOT NULL,
  beep text NOT NULL,
  from_number text,
  to_number text,
  date_created timestamptz NOT NULL,
  date_updated timestamptz NOT NULL,
  date_left timestamptz,
  left_reason text,
  PRIMARY KEY (account_sid, conference_sid, call_sid)
);
CREATE INDEX participants_by_label ON participants (account_sid, conference_sid, label);
CREATE INDEX participants_by_call ON participants (account_sid, call_sid, conference_sid);
CREATE INDEX participants_by_from ON participants (account_sid, from_number, conference_sid);
CREATE INDEX participants_by_to ON participants (account_sid, to_number, conference_sid);
