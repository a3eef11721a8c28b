-- The client cookie carries this token besides the client id; a new one is issued whenever a
-- session is created, so a cookie planted before sign-in never sees the session (fixation).
-- Clients from before have '' and keep working until their next sign-in.
ALTER TABLE clients ADD COLUMN token TEXT NOT NULL DEFAULT '';
