-- People, departments and everything sign-in needs.
-- Tokens: {pk} id column, {ts} timestamp, {bool} boolean (see migrate.rs).

CREATE TABLE departments (
    id {pk},
    name TEXT NOT NULL,
    name_key TEXT NOT NULL UNIQUE,
    created_at {ts} NOT NULL
);

CREATE TABLE people (
    id {pk},
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    department_id BIGINT REFERENCES departments (id),
    manager_id BIGINT REFERENCES people (id),
    role TEXT NOT NULL DEFAULT 'member',
    active {bool} NOT NULL DEFAULT TRUE,
    password_hash TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL
);
CREATE INDEX people_manager ON people (manager_id);
CREATE INDEX people_department ON people (department_id);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    person_id BIGINT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at {ts} NOT NULL,
    expires_at {ts} NOT NULL
);
CREATE INDEX sessions_person ON sessions (person_id);

CREATE TABLE api_tokens (
    id {pk},
    person_id BIGINT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    label TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at {ts} NOT NULL,
    last_used_at {ts},
    revoked_at {ts}
);
CREATE INDEX api_tokens_person ON api_tokens (person_id);

CREATE TABLE invites (
    id {pk},
    person_id BIGINT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at {ts} NOT NULL,
    expires_at {ts} NOT NULL,
    used_at {ts}
);

CREATE TABLE sign_in_failures (
    id {pk},
    email TEXT NOT NULL,
    client_ip TEXT NOT NULL,
    at {ts} NOT NULL
);
CREATE INDEX sign_in_failures_email ON sign_in_failures (email, at);
CREATE INDEX sign_in_failures_ip ON sign_in_failures (client_ip, at);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
