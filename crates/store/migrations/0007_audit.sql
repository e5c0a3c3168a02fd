-- An append-only record of who read or changed whose reflections, notes,
-- performance views and admin settings. The store only inserts and reads it,
-- and the database itself refuses to update or delete a row, so even a bug
-- cannot rewrite history. Statements marked with an engine's name in braces
-- run on that engine alone (see migrate.rs), and the semicolon token stands
-- for a semicolon inside a trigger body.

CREATE TABLE audit_log (
    id {pk},
    at {ts} NOT NULL,
    actor_id BIGINT NOT NULL REFERENCES people (id),
    -- 'read' or 'change'.
    action TEXT NOT NULL,
    -- What kind of data, e.g. 'reflection', 'notes', 'performance_view', 'settings', 'person'.
    subject TEXT NOT NULL,
    -- Whose data it is. NULL for organisation settings, which belong to nobody.
    subject_owner_id BIGINT REFERENCES people (id),
    -- The conversation, performance view, person or question set concerned.
    object_id BIGINT,
    -- A short description. Never the content itself.
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_owner ON audit_log (subject_owner_id, id);

{postgres} CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only'{semicolon}
END
$$;
{postgres} CREATE TRIGGER audit_log_no_rewrite BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
{postgres} CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

{sqlite} CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only'){semicolon}
END;
{sqlite} CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only'){semicolon}
END
