-- Lets /metrics count connected participants without reading departed ones, which pile up forever.
CREATE INDEX participants_connected ON participants (account_sid, conference_sid) WHERE status = 'connected';
