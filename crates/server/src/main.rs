//! `onetime-server` binary.
fn main() {}
