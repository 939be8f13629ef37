-- Data-plane rows of GET /clustering/data-planes, shared by every control
-- plane on this database so each lists the whole fleet. Not configuration:
-- writing them never bumps gantry_revision, so it pushes nothing.

CREATE TABLE clustering_data_planes (
    id TEXT PRIMARY KEY,
    hostname TEXT NOT NULL,
    ip TEXT NOT NULL,
    version TEXT NOT NULL,
    sync_status TEXT NOT NULL,
    sync_status_detail TEXT NOT NULL,
    config_hash TEXT NOT NULL,
    config_version BIGINT NOT NULL,
    labels TEXT NOT NULL,
    cert_expiry BIGINT NOT NULL,
    connected INTEGER NOT NULL,
    last_rejection TEXT,
    last_seen BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX clustering_data_planes_last_seen_idx ON clustering_data_planes (last_seen);
