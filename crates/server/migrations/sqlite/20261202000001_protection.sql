-- Abuse defences. `code_sends.identifier` is now a budget key: the recipient (phone, or email
-- mailbox without +tag), 'ip:<address>' or 'sms:all'. Consecutive wrong codes per identifier:
CREATE TABLE lockouts (
    identifier   TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL,
    locked_until INTEGER
);
-- Housekeeping deletes by age.
CREATE INDEX code_sends_sent_at ON code_sends (sent_at);
CREATE INDEX sign_ins_abandon_at ON sign_ins (abandon_at);
CREATE INDEX sign_ups_abandon_at ON sign_ups (abandon_at);
CREATE INDEX clients_updated_at ON clients (updated_at);
