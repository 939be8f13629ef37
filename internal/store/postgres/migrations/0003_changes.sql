-- The change feed: which entities each committed write touched, with the
-- revision of that write, so a node exports only what changed since the
-- revision it last read (store.ChangeFeed). Triggers fill it, cascaded
-- deletes included. kind '*' marks a revision before which the feed is
-- incomplete (the migration itself, an import, pruning): a reader behind
-- it exports everything. An import sets gantry_revision.bulk inside its
-- transaction, so its rows record nothing, and leaves one '*' row instead.
CREATE TABLE gantry_changes (
    rev BIGINT NOT NULL,
    kind TEXT COLLATE "C" NOT NULL,
    id TEXT COLLATE "C" NOT NULL
);
CREATE INDEX gantry_changes_rev_idx ON gantry_changes (rev);
ALTER TABLE gantry_revision ADD COLUMN bulk INTEGER NOT NULL DEFAULT 0;
-- A new database (revision 0) starts its revisions at the time in
-- milliseconds: one made again by `gantry migrations reset` then counts on
-- above the revisions of the one it replaced, so a node still following it
-- hears of the new writes and, behind the '*' row, exports everything
-- (revisions restarting at 0 would be ignored until they passed the old
-- ones, then patched onto the old configuration).
UPDATE gantry_revision SET value = (extract(epoch FROM clock_timestamp()) * 1000)::bigint WHERE id = 1 AND value = 0;
INSERT INTO gantry_changes (rev, kind, id) SELECT value, '*', '' FROM gantry_revision WHERE id = 1;

CREATE FUNCTION gantry_record_change() RETURNS trigger AS $$
BEGIN
    IF (SELECT bulk FROM gantry_revision WHERE id = 1) <> 0 THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'DELETE' THEN
        INSERT INTO gantry_changes (rev, kind, id) SELECT value, TG_TABLE_NAME, OLD.id FROM gantry_revision WHERE id = 1;
    ELSE
        INSERT INTO gantry_changes (rev, kind, id) SELECT value, TG_TABLE_NAME, NEW.id FROM gantry_revision WHERE id = 1;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER ca_certificates_changes AFTER INSERT OR UPDATE OR DELETE ON ca_certificates FOR EACH ROW EXECUTE FUNCTION gantry_record_change();
CREATE TRIGGER certificates_changes AFTER INSERT OR UPDATE OR DELETE ON certificates FOR EACH ROW EXECUTE FUNCTION gantry_record_change();
CREATE TRIGGER snis_changes AFTER INSERT OR UPDATE OR DELETE ON snis FOR EACH ROW EXECUTE FUNCTION gantry_record_change();
CREATE TRIGGER services_changes AFTER INSERT OR UPDATE OR DELETE ON services FOR EACH ROW EXECUTE FUNCTION gantry_record_change();
CREATE TRIGGER routes_changes AFTER INSERT OR UPDATE OR DELETE ON routes FOR EACH ROW EXECUTE FUNCTION gantry_record_change();
CREATE TRIGGER upstreams_changes AFTER INSERT OR UPDATE OR DELETE ON upstreams FOR EACH ROW EXECUTE FUNCTION gantry_record_change();
CREATE TRIGGER targets_changes AFTER INSERT OR UPDATE OR DELETE ON targets FOR EACH ROW EXECUTE FUNCTION gantry_record_change();
CREATE TRIGGER consumers_changes AFTER INSERT OR UPDATE OR DELETE ON consumers FOR EACH ROW EXECUTE FUNCTION gantry_record_change();
CREATE TRIGGER plugins_changes AFTER INSERT OR UPDATE OR DELETE ON plugins FOR EACH ROW EXECUTE FUNCTION gantry_record_change();
CREATE TRIGGER keyauth_credentials_changes AFTER INSERT OR UPDATE OR DELETE ON keyauth_credentials FOR EACH ROW EXECUTE FUNCTION gantry_record_change();
CREATE TRIGGER basicauth_credentials_changes AFTER INSERT OR UPDATE OR DELETE ON basicauth_credentials FOR EACH ROW EXECUTE FUNCTION gantry_record_change();
CREATE TRIGGER jwt_secrets_changes AFTER INSERT OR UPDATE OR DELETE ON jwt_secrets FOR EACH ROW EXECUTE FUNCTION gantry_record_change();
CREATE TRIGGER acls_changes AFTER INSERT OR UPDATE OR DELETE ON acls FOR EACH ROW EXECUTE FUNCTION gantry_record_change();
