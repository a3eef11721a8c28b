//! Developer commands for onetime.
fn main() {}
