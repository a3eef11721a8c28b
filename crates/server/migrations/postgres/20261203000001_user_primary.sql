-- The identifiers a user chose as primary (`PATCH /v1/me`); NULL means the oldest of its kind,
-- which is what every user from before had.
ALTER TABLE users ADD COLUMN primary_email_address_id TEXT;
ALTER TABLE users ADD COLUMN primary_phone_number_id TEXT;
