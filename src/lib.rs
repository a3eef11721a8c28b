//! The onetime app.
