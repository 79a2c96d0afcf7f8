-- Statements that join a batch's rows to a table read them through this function rather than straight
-- from json_to_recordset. The planner expects 100 rows from json_to_recordset, and at 100 a hash join that
-- reads the whole table looks cheaper than looking each row up by key in any table of up to some tens of
-- thousands of rows; a batch holds a few dozen, so every write read all of inbox, rooms, conferences and
-- participants. This function says 10, and the planner looks the rows up by key. STRICT keeps it from being
-- inlined: an inlined function's estimate would be that of its body again.
CREATE FUNCTION batch_rows(document json) RETURNS SETOF json
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE ROWS 10
  AS 'SELECT json_array_elements(document)';
