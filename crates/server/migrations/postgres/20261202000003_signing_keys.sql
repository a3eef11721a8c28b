-- Token signing keys, newest first signs; the JWKS publishes the newest few so tokens signed
-- with the previous key still verify after `onetime-server rotate-key`. The key that lived in
-- settings.jwt_signing_key_pem is moved here at start-up.
CREATE TABLE signing_keys (
    kid        TEXT PRIMARY KEY,
    pem        TEXT NOT NULL,
    jwk        TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
