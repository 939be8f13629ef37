-- The change feed: which entities each committed write touched, with the
-- revision of that write, so a node exports only what changed since the
-- revision it last read (store.ChangeFeed). Triggers fill it, cascaded
-- deletes included. kind '*' marks a revision before which the feed is
-- incomplete (the migration itself, an import, pruning): a reader behind
-- it exports everything. An import sets gantry_revision.bulk inside its
-- transaction, so its rows record nothing, and leaves one '*' row instead.

CREATE TABLE gantry_changes (
    rev BIGINT NOT NULL,
    kind TEXT NOT NULL,
    id TEXT NOT NULL
);
CREATE INDEX gantry_changes_rev_idx ON gantry_changes (rev);
ALTER TABLE gantry_revision ADD COLUMN bulk INTEGER NOT NULL DEFAULT 0;
-- A new database (revision 0) starts its revisions at the time in
-- milliseconds: one made again by `gantry migrations reset` then counts on
-- above the revisions of the one it replaced, so a node still following it
-- hears of the new writes and, behind the '*' row, exports everything
-- (revisions restarting at 0 would be ignored until they passed the old
-- ones, then patched onto the old configuration).
UPDATE gantry_revision SET value = CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) WHERE id = 1 AND value = 0;
INSERT INTO gantry_changes (rev, kind, id) SELECT value, '*', '' FROM gantry_revision WHERE id = 1;

CREATE TRIGGER ca_certificates_changes_insert AFTER INSERT ON ca_certificates
    WHEN (SELECT bulk FROM gantry_revision WHERE id = 1) = 0 BEGIN
    INSERT INTO gantry_changes (rev, kind, id) SELECT value, 'ca_certificates', NEW.id FROM gantry_revision WHERE id = 1;
END;

CREATE TRIGGER ca_certificates_changes_update AFTER UPDATE ON ca_certificates
    WHEN (SELECT bulk FROM gantry_revision WHERE id = 1) = 0 BEGIN
    INSERT INTO gantry_changes (rev, kind, id) SELECT value, 'ca_certificates', NEW.id FROM gantry_revision WHERE id = 1;
END;

CREATE TRIGGER ca_certificates_changes_delete AFTER DELETE ON ca_certificates
    WHEN (SELECT bulk FROM gantry_revision WHERE id = 1) = 0 BEGIN
    INSERT INTO gantry_changes (rev, kind, id) SELECT value, 'ca_certificates', OLD.id FROM gantry_revision WHERE id = 1;
END;

CREATE TRIGGER certificates_changes_insert AFTER INSERT ON certificates
    WHEN (SELECT bulk FROM gantry_revision WHERE id = 1) = 0 BEGIN
    INSERT INTO gantry_changes (rev, kind, id) SELECT value, 'certificates', NEW.id FROM gantry_revision WHERE id = 1;
END;

CREATE TRIGGER certificates_changes_update AFTER UPDATE ON certificates
    WHEN (SELECT bulk FROM gantry_revision WHERE id = 1) = 0 BEGIN
    INSERT INTO gantry_changes (rev, kind, id) SELECT value, 'certificates', NEW.id FROM gantry_revision WHERE id = 1;
END;

CREATE TRIGGER certificates_changes_delete AFTER DELETE ON certificates
    WHEN (SELECT bulk FROM gantry_revision WHERE id = 1) = 0 BEGIN
    INSERT INTO gantry_changes (rev, kind, id) SELECT value, 'certificates', OLD.id FROM gantry_revision WHERE id = 1;
END;

CREATE TRIGGER snis_changes_insert AFTER INSERT ON snis
    WHEN (SELECT bulk FROM gantry_revision WHERE id = 1) = 0 BEGIN
    INSERT INTO gantry_changes (rev, kind, id) SELECT value, 'snis', NEW.id FROM gantry_revision WHERE id = 1;
END;

CREATE TRIGGER snis_changes_update AFTER UPDATE ON snis
    WHEN (SELECT bulk FROM gantry_revision WHERE id = 1) = 0 BEGIN
    INSERT INTO gantry_changes (rev, kind, id) SELECT value, 'snis', NEW.id FROM gantry_revision WHERE id = 1;
END;

CREATE TRIGGER snis_changes_delete AFTER DELETE ON snis
    WHEN (SELECT bulk FROM gantry_revision WHERE id = 1) = 0 BEGIN
    INSERT INTO gantry_changes (rev, kind, id) SELECT value, 'snis', OLD.id FROM gantry_revision WHERE id = 1;
END;

CREATE TRIGGER services_changes_insert AFTER INSERT ON services
    WHEN (SELECT bulk FROM gantry_revision WHERE id = 1) = 0 BEGIN
    INSERT INTO gantry_changes (rev, kind, id) SELECT value, 'services', NEW.id FROM gantry_revision WHERE id = 1;
END;

CREATE TRIGGER services_changes_update AFTER UPDATE ON services
    WHEN (SELECT bulk FROM gantry_revision WHERE id = 1) = 0 BEGIN
    INSERT INTO gantry_changes (rev, kind, id) SELECT value, 'services', NEW.id FROM gantry_revision WHERE id = 1;
END;

CREATE TRIGGER services_changes_delete AFTER DELETE ON services
    WHEN (SELECT bulk FROM gantry_revision WHERE id = 1) = 0 BEGIN
    INSERT INTO gantry_changes (rev, kind, id) SELECT value, 'services', OLD.id FROM gantry_revision WHERE id = 1;
END;

CREATE TRIGGER routes_changes_insert AFTER INSERT ON routes
    WHEN (SELECT bulk FROM gantry_revision WHERE id = 1) = 0 BEGIN
    INSERT INTO gantry_changes (rev, kind, id) SELECT value, 'routes', NEW.id FROM gantry_revision WHERE id = 1;
END;

CREATE TRIGGER routes_changes_update AFTER UPDATE ON routes
    WHEN (SELECT bulk FROM gantry_revision WHERE id = 1) = 0 BEGIN
    INSERT INTO gantry_changes (rev, kind, id) SELECT value, 'routes', NEW.id FROM gantry_revision WHERE id = 1;
END;

CREATE TRIGGER routes_changes_delete AFTER DELETE ON routes
    WHEN (SELECT bulk FROM gantry_revision WHERE id = 1) = 0 BEGIN
    INSERT INTO gantry_changes (rev, kind, id) SELECT value, 'routes', OLD.id FROM gantry_revision WHERE id = 1;
END;

CREATE TRIGGER upstreams_changes_insert AFTER INSERT ON upstreams
    WHEN (SELECT bulk FROM gantry_revision WHERE id = 1) = 0 BEGIN
    INSERT INTO gantry_changes (rev, kind, id) SELECT value, 'upstreams', NEW.id FROM gantry_revision WHERE id = 1;
END;

CREATE TRIGGER upstreams_changes_update AFTER UPDATE ON upstreams
    WHEN (SELECT bulk FROM gantry_revision WHERE id = 1) = 0 BEGIN
    INSERT INTO gantry_changes (rev, kind, id) SELECT value, 'upstreams', NEW.id FROM gantry_revision WHERE id = 1;
END;

CREATE TRIGGER upstreams_changes_delete AFTER DELETE ON upstreams
    WHEN (SELECT bulk FROM gantry_revision WHERE id = 1) = 0 BEGIN
    INSERT INTO gantry_changes (rev, kind, id) SELECT value, 'upstreams', OLD.id FROM gantry_revision WHERE id = 1;
END;

CREATE TRIGGER targets_changes_insert AFTER INSERT ON targets
    WHEN (SELECT bulk FROM gantry_revision WHERE id = 1) = 0 BEGIN
    INSERT INTO gantry_changes (rev, kind, id) SELECT value, 'targets', NEW.id FROM gantry_revision WHERE id = 1;
END;

CREATE TRIGGER targets_changes_update AFTER UPDATE ON targets
    WHEN (SELECT bulk FROM gantry_revision WHERE id = 1) = 0 BEGIN
    INSERT INTO gantry_changes (rev, kind, id) SELECT value, 'targets', NEW.id FROM gantry_revision WHERE id = 1;
END;

CREATE TRIGGER targets_changes_delete AFTER DELETE ON targets
    WHEN (SELECT bulk FROM gantry_revision WHERE id = 1) = 0 BEGIN
    INSERT INTO gantry_changes (rev, kind, id) SELECT value, 'targets', OLD.id FROM gantry_revision WHERE id = 1;
END;

CREATE TRIGGER consumers_changes_insert AFTER INSERT ON consumers
    WHEN (SELECT bulk FROM gantry_revision WHERE id = 1) = 0 BEGIN
    INSERT INTO gantry_changes (rev, kind, id) SELECT value, 'consumers', NEW.id FROM gantry_revision WHERE id = 1;
END;

CREATE TRIGGER consumers_changes_update AFTER UPDATE ON consumers
    WHEN (SELECT bulk FROM gantry_revision WHERE id = 1) = 0 BEGIN
    INSERT INTO gantry_changes (rev, kind, id) SELECT value, 'consumers', NEW.id FROM gantry_revision WHERE id = 1;
END;

CREATE TRIGGER consumers_changes_delete AFTER DELETE ON consumers
    WHEN (SELECT bulk FROM gantry_revision WHERE id = 1) = 0 BEGIN
    INSERT INTO gantry_changes (rev, kind, id) SELECT value, 'consumers', OLD.id FROM gantry_revision WHERE id = 1;
END;

CREATE TRIGGER plugins_changes_insert AFTER INSERT ON plugins
    WHEN (SELECT bulk FROM gantry_revision WHERE id = 1) = 0 BEGIN
    INSERT INTO gantry_changes (rev, kind, id) SELECT value, 'plugins', NEW.id FROM gantry_revision WHERE id = 1;
END;

CREATE TRIGGER plugins_changes_update AFTER UPDATE ON plugins
    WHEN (SELECT bulk FROM gantry_revision WHERE id = 1) = 0 BEGIN
    INSERT INTO gantry_changes (rev, kind, id) SELECT value, 'plugins', NEW.id FROM gantry_revision WHERE id = 1;
END;

CREATE TRIGGER plugins_changes_delete AFTER DELETE ON plugins
    WHEN (SELECT bulk FROM gantry_revision WHERE id = 1) = 0 BEGIN
    INSERT INTO gantry_changes (rev, kind, id) SELECT value, 'plugins', OLD.id FROM gantry_revision WHERE id = 1;
END;

CREATE TRIGGER keyauth_credentials_changes_insert AFTER INSERT ON keyauth_credentials
    WHEN (SELECT bulk FROM gantry_revision WHERE id = 1) = 0 BEGIN
    INSERT INTO gantry_changes (rev, kind, id) SELECT value, 'keyauth_credentials', NEW.id FROM gantry_revision WHERE id = 1;
END;

CREATE TRIGGER keyauth_credentials_changes_update AFTER UPDATE ON keyauth_credentials
    WHEN (SELECT bulk FROM gantry_revision WHERE id = 1) = 0 BEGIN
    INSERT INTO gantry_changes (rev, kind, id) SELECT value, 'keyauth_credentials', NEW.id FROM gantry_revision WHERE id = 1;
END;

CREATE TRIGGER keyauth_credentials_changes_delete AFTER DELETE ON keyauth_credentials
    WHEN (SELECT bulk FROM gantry_revision WHERE id = 1) = 0 BEGIN
    INSERT INTO gantry_changes (rev, kind, id) SELECT value, 'keyauth_credentials', OLD.id FROM gantry_revision WHERE id = 1;
END;

CREATE TRIGGER basicauth_credentials_changes_insert AFTER INSERT ON basicauth_credentials
    WHEN (SELECT bulk FROM gantry_revision WHERE id = 1) = 0 BEGIN
    INSERT INTO gantry_changes (rev, kind, id) SELECT value, 'basicauth_credentials', NEW.id FROM gantry_revision WHERE id = 1;
END;

CREATE TRIGGER basicauth_credentials_changes_update AFTER UPDATE ON basicauth_credentials
    WHEN (SELECT bulk FROM gantry_revision WHERE id = 1) = 0 BEGIN
    INSERT INTO gantry_changes (rev, kind, id) SELECT value, 'basicauth_credentials', NEW.id FROM gantry_revision WHERE id = 1;
END;

CREATE TRIGGER basicauth_credentials_changes_delete AFTER DELETE ON basicauth_credentials
    WHEN (SELECT bulk FROM gantry_revision WHERE id = 1) = 0 BEGIN
    INSERT INTO gantry_changes (rev, kind, id) SELECT value, 'basicauth_credentials', OLD.id FROM gantry_revision WHERE id = 1;
END;

CREATE TRIGGER jwt_secrets_changes_insert AFTER INSERT ON jwt_secrets
    WHEN (SELECT bulk FROM gantry_revision WHERE id = 1) = 0 BEGIN
    INSERT INTO gantry_changes (rev, kind, id) SELECT value, 'jwt_secrets', NEW.id FROM gantry_revision WHERE id = 1;
END;

CREATE TRIGGER jwt_secrets_changes_update AFTER UPDATE ON jwt_secrets
    WHEN (SELECT bulk FROM gantry_revision WHERE id = 1) = 0 BEGIN
    INSERT INTO gantry_changes (rev, kind, id) SELECT value, 'jwt_secrets', NEW.id FROM gantry_revision WHERE id = 1;
END;

CREATE TRIGGER jwt_secrets_changes_delete AFTER DELETE ON jwt_secrets
    WHEN (SELECT bulk FROM gantry_revision WHERE id = 1) = 0 BEGIN
    INSERT INTO gantry_changes (rev, kind, id) SELECT value, 'jwt_secrets', OLD.id FROM gantry_revision WHERE id = 1;
END;

CREATE TRIGGER acls_changes_insert AFTER INSERT ON acls
    WHEN (SELECT bulk FROM gantry_revision WHERE id = 1) = 0 BEGIN
    INSERT INTO gantry_changes (rev, kind, id) SELECT value, 'acls', NEW.id FROM gantry_revision WHERE id = 1;
END;

CREATE TRIGGER acls_changes_update AFTER UPDATE ON acls
    WHEN (SELECT bulk FROM gantry_revision WHERE id = 1) = 0 BEGIN
    INSERT INTO gantry_changes (rev, kind, id) SELECT value, 'acls', NEW.id FROM gantry_revision WHERE id = 1;
END;

CREATE TRIGGER acls_changes_delete AFTER DELETE ON acls
    WHEN (SELECT bulk FROM gantry_revision WHERE id = 1) = 0 BEGIN
    INSERT INTO gantry_changes (rev, kind, id) SELECT value, 'acls', OLD.id FROM gantry_revision WHERE id = 1;
END;
