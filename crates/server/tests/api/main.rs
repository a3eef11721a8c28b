//! Integration tests of the OTP server over HTTP.
