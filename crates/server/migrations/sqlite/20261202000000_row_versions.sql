-- Optimistic concurrency: every read-modify-write of these rows updates `WHERE version = <read>`
-- and bumps it, so two requests (or two instances) racing on one row cannot both win.
ALTER TABLE clients ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE sign_ups ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE sign_ins ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE sessions ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
