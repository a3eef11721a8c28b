-- onetime-server schema (SQLite; portable to PostgreSQL: TEXT ids, BIGINT-sized ms timestamps).

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
    created_at                   INTEGER NOT NULL,
    updated_at                   INTEGER NOT NULL
);

CREATE TABLE users (
    id              TEXT PRIMARY KEY,
    username        TEXT UNIQUE,
    first_name      TEXT,
    last_name       TEXT,
    last_sign_in_at INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);

-- Verified phone numbers and email addresses. The unique constraint is what makes two racing
-- sign-ups for the same identifier produce exactly one user.
CREATE TABLE identifications (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    kind       TEXT NOT NULL,          -- 'phone_number' | 'email_address'
    value      TEXT NOT NULL,          -- E.164 or lower-cased email
    strategy   TEXT NOT NULL,          -- how it was verified
    created_at INTEGER NOT NULL,
    UNIQUE (kind, value)
);
CREATE INDEX identifications_user ON identifications (user_id);

-- verifications / first_factor hold JSON verification state; codes only as HMACs.
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
    abandon_at         INTEGER NOT NULL,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
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
    abandon_at         INTEGER NOT NULL,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
);

CREATE TABLE sessions (
    id             TEXT PRIMARY KEY,
    client_id      TEXT NOT NULL,
    user_id        TEXT NOT NULL REFERENCES users (id),
    status         TEXT NOT NULL,
    expire_at      INTEGER NOT NULL,
    last_active_at INTEGER NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX sessions_client ON sessions (client_id);

-- One row per code actually handed to a sender (per-identifier send limit).
CREATE TABLE code_sends (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    identifier TEXT NOT NULL,
    sent_at    INTEGER NOT NULL
);
CREATE INDEX code_sends_identifier ON code_sends (identifier, sent_at);
