-- The platform's facts: the Sid the platform reported for a conference (shown once known; the minted Sid
-- stays the key, so ordering and keyset paging are unchanged), and the recordings the platform reported.

ALTER TABLE conferences ADD COLUMN platform_sid text;
-- A conference is fetched by either Sid. Not unique: the platform's word is taken as given, and a
-- platform that reused a Sid must not make a webhook fail.
CREATE INDEX conferences_by_platform_sid ON conferences (account_sid, platform_sid)
  WHERE platform_sid IS NOT NULL;

CREATE TABLE recordings (
  account_sid text NOT NULL,
  sid text NOT NULL,
  -- The Sid Conclave minted for the conference, like participants.conference_sid.
  conference_sid text NOT NULL,
  call_sid text,
  status text NOT NULL,
  duration bigint,
  channels bigint,
  source text,
  start_time timestamptz,
  error_code bigint,
  url text,
  sequence_number bigint,
  date_created timestamptz NOT NULL,
  date_updated timestamptz NOT NULL,
  PRIMARY KEY (account_sid, sid)
);
CREATE INDEX recordings_by_conference ON recordings (account_sid, conference_sid, date_created, sid);
