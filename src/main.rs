//! Mounts the onetime app.
fn main() {}
