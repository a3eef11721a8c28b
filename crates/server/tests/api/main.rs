//! Integration tests of the OTP server over HTTP (one test binary).

mod environment;
mod helpers;
mod malformed;
mod sessions;
mod sign_in;
mod sign_up;
// Issue 8: real delivery (SMTP, Twilio, webhook) against capture servers on loopback.
mod delivery_sms;
mod delivery_smtp;
mod delivery_support;
mod delivery_webhook;
