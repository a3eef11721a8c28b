-- Phone numbers and email addresses a signed-in user added on the account page and has not
-- verified yet (`POST /v1/me/phone_numbers`, `/email_addresses`). Kept apart from
-- `identifications` so an unverified address never blocks anyone else's sign-up or sign-in;
-- on verification the row moves there (its UNIQUE (kind, value) decides a race).
CREATE TABLE pending_identifications (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id),
    kind         TEXT NOT NULL,
    value        TEXT NOT NULL,
    verification TEXT,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    version      BIGINT NOT NULL DEFAULT 1,
    UNIQUE (user_id, kind, value)
);
