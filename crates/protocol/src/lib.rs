//! Wire types of the Clerk Frontend API (FAPI) subset that onetime speaks.
//!
//! Shared by the app and the server so the two cannot drift apart.
