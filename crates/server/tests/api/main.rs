//! Integration tests of the OTP server over HTTP (one test binary), each on SQLite and on
//! PostgreSQL (see `helpers::both_backends!`).

#[macro_use]
mod helpers;

mod account;
mod environment;
mod malformed;
mod sessions;
mod sign_in;
mod sign_up;
// Issue 8: real delivery (SMTP, Twilio, webhook) against capture servers on loopback.
mod delivery_sms;
mod delivery_smtp;
mod delivery_support;
mod delivery_webhook;
// Issue 14: kill -9 under load loses no answered write.
mod durability;
mod multi_instance;
mod processes;
mod protection;
mod static_assets;
