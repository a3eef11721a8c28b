-- onetime-server schema (PostgreSQL): the same tables and columns as the SQLite migrations, with
-- BIGINT millisecond timestamps. `version` columns carry optimistic concurrency (see store.rs).

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE clients (
    id                           TEXT PRIMARY KEY,
    sign_in_id                   TEXT,
    sign_up_id                   TEXT,
    last_active_session_id       TEXT,
    last_authentication_strategy TEXT,
    created_at                   BIGINT NOT NULL,
    updated_at                   BIGINT NOT NULL,
    version                      BIGINT NOT NULL DEFAULT 1
);

CREATE TABLE users (
    id              TEXT PRIMARY KEY,
    username        TEXT UNIQUE,
    first_name      TEXT,
    last_name       TEXT,
    last_sign_in_at BIGINT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);

-- The unique constraint is what makes racing sign-ups for one identifier produce exactly one user.
CREATE TABLE identifications (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    kind       TEXT NOT NULL,
    value      TEXT NOT NULL,
    strategy   TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (kind, value)
);
CREATE INDEX identifications_user ON identifications (user_id);

-- verifications / first_factor hold JSON verification state (as TEXT, like SQLite); codes only as HMACs.
CREATE TABLE sign_ups (
    id                 TEXT PRIMARY KEY,
    client_id          TEXT NOT NULL,
    status             TEXT NOT NULL,
    phone_number       TEXT,
    email_address      TEXT,
    username           TEXT,
    first_name         TEXT,
    last_name          TEXT,
    locale             TEXT,
    verifications      TEXT NOT NULL,
    created_user_id    TEXT,
    created_session_id TEXT,
    abandon_at         BIGINT NOT NULL,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL,
    version            BIGINT NOT NULL DEFAULT 1
);

CREATE TABLE sign_ins (
    id                 TEXT PRIMARY KEY,
    client_id          TEXT NOT NULL,
    status             TEXT NOT NULL,
    identifier         TEXT,
    user_id            TEXT,
    locale             TEXT,
    first_factor       TEXT,
    created_session_id TEXT,
    abandon_at         BIGINT NOT NULL,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL,
    version            BIGINT NOT NULL DEFAULT 1
);

CREATE TABLE sessions (
    id             TEXT PRIMARY KEY,
    client_id      TEXT NOT NULL,
    user_id        TEXT NOT NULL REFERENCES users (id),
    status         TEXT NOT NULL,
    expire_at      BIGINT NOT NULL,
    last_active_at BIGINT NOT NULL,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    version        BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX sessions_client ON sessions (client_id);

-- One row per code handed to a sender (per-identifier send budget, reserved before sending).
CREATE TABLE code_sends (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    identifier TEXT NOT NULL,
    sent_at    BIGINT NOT NULL
);
CREATE INDEX code_sends_identifier ON code_sends (identifier, sent_at);
