//! Integration tests of the OTP server over HTTP.

// Issue 8: real delivery (SMTP, Twilio, webhook) against capture servers on loopback.
mod delivery_smtp;
mod delivery_sms;
mod delivery_support;
mod delivery_webhook;
