-- The device a session was created on, for the account page's list of active devices
-- (`GET /v1/me/sessions/active`): the browser's User-Agent (at most 512 characters) and the
-- client address. Sessions from before have NULL and are listed as an unknown device.
ALTER TABLE sessions ADD COLUMN user_agent TEXT;
ALTER TABLE sessions ADD COLUMN ip_address TEXT;
-- A user's sessions across devices (the device list, revoking, deleting the account).
CREATE INDEX sessions_user ON sessions (user_id);
