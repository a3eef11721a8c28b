//! The onetime OTP server.
