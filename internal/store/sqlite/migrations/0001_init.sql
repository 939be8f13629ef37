-- Gantry's initial schema for SQLite. See internal/store/sqlstore/tables.go
-- for the layout: one table per kind, indexed copies of unique and foreign
-- key fields, the entity's JSON in data, and a <kind>_tags table.

CREATE TABLE gantry_revision (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    value BIGINT NOT NULL
);
INSERT INTO gantry_revision (id, value) VALUES (1, 0);

CREATE TABLE ca_certificates (
    id TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL,
    data TEXT NOT NULL,
    cert_digest TEXT,
    UNIQUE (cert_digest)
);
CREATE TABLE ca_certificates_tags (
    entity_id TEXT NOT NULL REFERENCES ca_certificates (id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (tag, entity_id)
);
CREATE INDEX ca_certificates_tags_entity_id_idx ON ca_certificates_tags (entity_id);

CREATE TABLE certificates (
    id TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL,
    data TEXT NOT NULL
);
CREATE TABLE certificates_tags (
    entity_id TEXT NOT NULL REFERENCES certificates (id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (tag, entity_id)
);
CREATE INDEX certificates_tags_entity_id_idx ON certificates_tags (entity_id);

CREATE TABLE snis (
    id TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL,
    data TEXT NOT NULL,
    name TEXT NOT NULL,
    certificate_id TEXT NOT NULL REFERENCES certificates (id) ON DELETE CASCADE,
    UNIQUE (name)
);
CREATE INDEX snis_certificate_id_idx ON snis (certificate_id);
CREATE TABLE snis_tags (
    entity_id TEXT NOT NULL REFERENCES snis (id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (tag, entity_id)
);
CREATE INDEX snis_tags_entity_id_idx ON snis_tags (entity_id);

CREATE TABLE services (
    id TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL,
    data TEXT NOT NULL,
    name TEXT,
    client_certificate_id TEXT REFERENCES certificates (id),
    UNIQUE (name)
);
CREATE INDEX services_client_certificate_id_idx ON services (client_certificate_id);
CREATE TABLE services_tags (
    entity_id TEXT NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (tag, entity_id)
);
CREATE INDEX services_tags_entity_id_idx ON services_tags (entity_id);

CREATE TABLE routes (
    id TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL,
    data TEXT NOT NULL,
    name TEXT,
    service_id TEXT REFERENCES services (id),
    UNIQUE (name)
);
CREATE INDEX routes_service_id_idx ON routes (service_id);
CREATE TABLE routes_tags (
    entity_id TEXT NOT NULL REFERENCES routes (id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (tag, entity_id)
);
CREATE INDEX routes_tags_entity_id_idx ON routes_tags (entity_id);

CREATE TABLE upstreams (
    id TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL,
    data TEXT NOT NULL,
    name TEXT NOT NULL,
    client_certificate_id TEXT REFERENCES certificates (id),
    UNIQUE (name)
);
CREATE INDEX upstreams_client_certificate_id_idx ON upstreams (client_certificate_id);
CREATE TABLE upstreams_tags (
    entity_id TEXT NOT NULL REFERENCES upstreams (id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (tag, entity_id)
);
CREATE INDEX upstreams_tags_entity_id_idx ON upstreams_tags (entity_id);

CREATE TABLE targets (
    id TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL,
    data TEXT NOT NULL,
    upstream_id TEXT NOT NULL REFERENCES upstreams (id) ON DELETE CASCADE,
    target TEXT NOT NULL,
    UNIQUE (upstream_id, target)
);
CREATE INDEX targets_target_idx ON targets (target);
CREATE TABLE targets_tags (
    entity_id TEXT NOT NULL REFERENCES targets (id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (tag, entity_id)
);
CREATE INDEX targets_tags_entity_id_idx ON targets_tags (entity_id);

CREATE TABLE consumers (
    id TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL,
    data TEXT NOT NULL,
    username TEXT,
    custom_id TEXT,
    UNIQUE (username),
    UNIQUE (custom_id)
);
CREATE TABLE consumers_tags (
    entity_id TEXT NOT NULL REFERENCES consumers (id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (tag, entity_id)
);
CREATE INDEX consumers_tags_entity_id_idx ON consumers_tags (entity_id);

CREATE TABLE plugins (
    id TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL,
    data TEXT NOT NULL,
    name TEXT NOT NULL,
    instance_name TEXT,
    service_id TEXT REFERENCES services (id) ON DELETE CASCADE,
    route_id TEXT REFERENCES routes (id) ON DELETE CASCADE,
    consumer_id TEXT REFERENCES consumers (id) ON DELETE CASCADE,
    cache_key TEXT NOT NULL,
    UNIQUE (instance_name),
    UNIQUE (cache_key)
);
CREATE INDEX plugins_name_idx ON plugins (name);
CREATE INDEX plugins_service_id_idx ON plugins (service_id);
CREATE INDEX plugins_route_id_idx ON plugins (route_id);
CREATE INDEX plugins_consumer_id_idx ON plugins (consumer_id);
CREATE TABLE plugins_tags (
    entity_id TEXT NOT NULL REFERENCES plugins (id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (tag, entity_id)
);
CREATE INDEX plugins_tags_entity_id_idx ON plugins_tags (entity_id);

CREATE TABLE keyauth_credentials (
    id TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL,
    data TEXT NOT NULL,
    consumer_id TEXT NOT NULL REFERENCES consumers (id) ON DELETE CASCADE,
    cred_key TEXT NOT NULL,
    UNIQUE (cred_key)
);
CREATE INDEX keyauth_credentials_consumer_id_idx ON keyauth_credentials (consumer_id);
CREATE TABLE keyauth_credentials_tags (
    entity_id TEXT NOT NULL REFERENCES keyauth_credentials (id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (tag, entity_id)
);
CREATE INDEX keyauth_credentials_tags_entity_id_idx ON keyauth_credentials_tags (entity_id);

CREATE TABLE basicauth_credentials (
    id TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL,
    data TEXT NOT NULL,
    consumer_id TEXT NOT NULL REFERENCES consumers (id) ON DELETE CASCADE,
    username TEXT NOT NULL,
    UNIQUE (username)
);
CREATE INDEX basicauth_credentials_consumer_id_idx ON basicauth_credentials (consumer_id);
CREATE TABLE basicauth_credentials_tags (
    entity_id TEXT NOT NULL REFERENCES basicauth_credentials (id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (tag, entity_id)
);
CREATE INDEX basicauth_credentials_tags_entity_id_idx ON basicauth_credentials_tags (entity_id);

CREATE TABLE jwt_secrets (
    id TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL,
    data TEXT NOT NULL,
    consumer_id TEXT NOT NULL REFERENCES consumers (id) ON DELETE CASCADE,
    cred_key TEXT NOT NULL,
    UNIQUE (cred_key)
);
CREATE INDEX jwt_secrets_consumer_id_idx ON jwt_secrets (consumer_id);
CREATE TABLE jwt_secrets_tags (
    entity_id TEXT NOT NULL REFERENCES jwt_secrets (id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (tag, entity_id)
);
CREATE INDEX jwt_secrets_tags_entity_id_idx ON jwt_secrets_tags (entity_id);

CREATE TABLE acls (
    id TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL,
    data TEXT NOT NULL,
    consumer_id TEXT NOT NULL REFERENCES consumers (id) ON DELETE CASCADE,
    group_name TEXT NOT NULL,
    UNIQUE (consumer_id, group_name)
);
CREATE INDEX acls_group_name_idx ON acls (group_name);
CREATE TABLE acls_tags (
    entity_id TEXT NOT NULL REFERENCES acls (id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (tag, entity_id)
);
CREATE INDEX acls_tags_entity_id_idx ON acls_tags (entity_id);
