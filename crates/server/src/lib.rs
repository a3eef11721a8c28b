//! The onetime OTP server: a subset of Clerk's Frontend API (FAPI) for sign-up and sign-in with
//! one-time codes sent by SMS or email.
//!
//! Layout: [`config`] (instance TOML + runtime settings), [`domain`] (parsed inputs),
//! [`store`] (all SQL), [`delivery`] (the [`delivery::CodeSender`] boundary), [`otp`] (code
//! rules), [`render`] (rows to wire types), [`routes`] (axum handlers), [`startup`]
//! ([`startup::Application`]).

pub mod clock;
pub mod config;
pub mod crypto;
pub mod delivery;
pub mod domain;
pub mod error;
pub mod keys;
pub mod otp;
pub mod protection;
pub mod render;
pub mod routes;
pub mod signing;
pub mod startup;
pub mod store;
pub mod tokens;

pub use startup::{Application, Deps};

use std::sync::Arc;

/// Shared state of all handlers.
pub struct AppState {
    /// Instance configuration.
    pub config: config::InstanceConfig,
    /// Dev mode.
    pub dev: bool,
    /// Database.
    pub store: store::Store,
    /// Server secret.
    pub secret: crypto::Secret,
    /// Session-token key this instance signs with.
    pub key: signing::SigningKey,
    /// Whether `key` came from the configuration (then it alone is published) rather than
    /// from the database's rotating key set.
    pub key_configured: bool,
    /// Time.
    pub clock: Arc<dyn clock::Clock>,
    /// Code delivery.
    pub sender: Arc<dyn delivery::CodeSender>,
    /// The dev outbox (dev mode only).
    pub outbox: Option<delivery::DevSender>,
    /// JWT issuer.
    pub issuer: String,
    /// Origins whose browsers may call the API (CORS, mutations, token `azp`).
    pub origins: protection::AllowedOrigins,
    /// Caps provider calls in flight (`[protection] max_concurrent_sends`).
    pub send_permits: tokio::sync::Semaphore,
    /// Session tokens minted a moment ago, handed out again instead of signing anew.
    pub recent_tokens: tokens::RecentTokens,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("dev", &self.dev)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// Now in unix ms.
    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }
}

/// Handle to the shared state.
pub type App = Arc<AppState>;
