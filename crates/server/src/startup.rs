//! Building and running the server.

use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::crypto::{self, Secret};
use crate::delivery::CodeSender;
use crate::signing::SigningKey;
use crate::store::{DatabaseOptions, Store};
use crate::{App, AppState, routes};
use axum::ServiceExt as _;
use axum::http::{HeaderValue, Method, header};
use std::net::SocketAddr;
use std::sync::Arc;
use tower::Layer as _;
use tower_http::cors::{AllowHeaders, AllowOrigin, CorsLayer};

/// Injectable dependencies (tests replace the clock and the sender).
pub struct Deps {
    /// Time source.
    pub clock: Arc<dyn Clock>,
    /// Code sender; default: built from `[delivery]` ([`crate::delivery::setup::build`]).
    pub sender: Option<Arc<dyn CodeSender>>,
}

impl Default for Deps {
    fn default() -> Self {
        Self {
            clock: Arc::new(SystemClock),
            sender: None,
        }
    }
}

/// A bound, ready-to-run server.
pub struct Application {
    listener: tokio::net::TcpListener,
    addr: SocketAddr,
    router: axum::Router,
    state: App,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

const SECRET_KEY: &str = "dev_secret";

impl Application {
    /// Opens the database, loads or creates the secret and signing key, binds the listener.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        Self::build_with(config, Deps::default()).await
    }

    /// [`Application::build`] with injected dependencies.
    pub async fn build_with(config: Config, deps: Deps) -> anyhow::Result<Self> {
        config.instance.validate()?;
        let origins = crate::protection::AllowedOrigins::new(
            &config.instance.allowed_origins,
            config.instance.public_url.as_deref(),
            config.dev,
        )?;
        if config.dev && !config.listen.ip().is_loopback() && !config.dev_allow_public {
            anyhow::bail!(
                "--dev refuses to listen on {}: dev mode accepts Clerk's test identifiers with 424242 and \
                 shows every code at /dev/outbox, so it stays on this machine. Listen on 127.0.0.1, or \
                 pass --dev-allow-public if this is a container whose port only you can reach",
                config.listen
            );
        }
        // Delivery providers (and their secrets) are checked before anything is opened.
        let delivery =
            crate::delivery::setup::build(&config.instance, config.dev, &config.delivery_secrets)?;
        let secret = match (&config.secret, config.dev) {
            (Some(s), _) if s.len() >= 32 => s.clone(),
            (Some(_), _) => anyhow::bail!("ONETIME_SECRET must be at least 32 characters long"),
            (None, false) => anyhow::bail!(
                "a server secret is required outside dev mode: set ONETIME_SECRET to at least 32 \
                 random characters (e.g. `openssl rand -base64 32`), or run with --dev"
            ),
            (None, true) => String::new(),
        };
        // Bind first: a taken port should fail fast with a clear message.
        let listener = tokio::net::TcpListener::bind(config.listen).await.map_err(|e| {
            if e.kind() == std::io::ErrorKind::AddrInUse {
                anyhow::anyhow!(
                    "{} is already in use (is another onetime-server running?); stop it or pass --listen with another address",
                    config.listen
                )
            } else {
                anyhow::anyhow!("cannot listen on {}: {e}", config.listen)
            }
        })?;
        let addr = listener.local_addr()?;
        let store = Store::connect(&DatabaseOptions {
            url: config.database_url.clone(),
            max_connections: config.database_max_connections,
            statement_timeout_ms: config.database_statement_timeout_ms,
            synchronous: config.instance.database.synchronous,
        })
        .await?;
        let secret = if secret.is_empty() {
            store
                .setting_or_insert(SECRET_KEY, &crypto::random_token(32))
                .await?
        } else {
            secret
        };
        let key = match &config.signing_key_pem {
            Some(pem) => SigningKey::from_pem(pem)?,
            None => {
                crate::keys::current(
                    &store,
                    deps.clock.now_ms(),
                    config.instance.tokens.algorithm,
                )
                .await?
            }
        };
        let outbox = delivery.outbox;
        let sender: Arc<dyn CodeSender> = deps.sender.unwrap_or(delivery.sender);
        let issuer = config
            .instance
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{addr}"))
            .trim_end_matches('/')
            .to_owned();
        let state = Arc::new(AppState {
            config: config.instance.clone(),
            dev: config.dev,
            store,
            secret: Secret::new(&secret),
            key,
            key_configured: config.signing_key_pem.is_some(),
            clock: deps.clock,
            sender,
            outbox,
            issuer,
            origins: origins.clone(),
            recent_tokens: Default::default(),
            send_permits: tokio::sync::Semaphore::new(
                usize::try_from(config.instance.protection.max_concurrent_sends).unwrap_or(64),
            ),
        });
        let mut router = routes::router(state.clone(), config.static_dir.as_deref());
        if let Some(dir) = &config.static_dir {
            let https = config
                .instance
                .public_url
                .as_deref()
                .is_some_and(|u| u.starts_with("https://"));
            let hardening = routes::hardening::SecurityHeaders::for_app(dir, https)?;
            router = router.layer(axum::middleware::map_response(
                move |mut resp: axum::response::Response| {
                    hardening.apply(resp.headers_mut());
                    async move { resp }
                },
            ));
        }
        // CORS with credentials for the allowed origins only (same-origin needs none of it).
        let cors_origins = origins.clone();
        router = router.layer(
            CorsLayer::new()
                .allow_origin(AllowOrigin::predicate(move |origin: &HeaderValue, _| {
                    origin.to_str().is_ok_and(|o| cors_origins.allows(o))
                }))
                .allow_credentials(true)
                .allow_methods([
                    Method::GET,
                    Method::POST,
                    Method::PATCH,
                    Method::PUT,
                    Method::DELETE,
                ])
                .allow_headers(AllowHeaders::mirror_request())
                .expose_headers([header::RETRY_AFTER])
                // The layer replaces any `Vary` below it, so it also names what `--static`
                // varies on: the encoding it picks from `Accept-Encoding`.
                .vary([
                    header::ORIGIN,
                    header::ACCESS_CONTROL_REQUEST_METHOD,
                    header::ACCESS_CONTROL_REQUEST_HEADERS,
                    header::ACCEPT_ENCODING,
                ]),
        );
        let router = router.layer(tower_http::trace::TraceLayer::new_for_http());
        Ok(Self {
            listener,
            addr,
            router,
            state,
        })
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Shared state (tests inspect it).
    pub fn state(&self) -> App {
        self.state.clone()
    }

    /// Serves until `shutdown` resolves, then finishes in-flight requests.
    pub async fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let housekeeping = tokio::spawn(crate::protection::housekeeping(self.state.clone()));
        let svc = tower::util::MapRequestLayer::new(routes::method_override).layer(self.router);
        // The peer address reaches the handlers (per-IP budgets, see `protection::client_ip`).
        let served = axum::serve(
            self.listener,
            svc.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await;
        housekeeping.abort();
        served
    }

    /// Serves until Ctrl-C or SIGTERM.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(shutdown_signal()).await
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}
