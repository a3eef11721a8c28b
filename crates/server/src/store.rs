//! Storage: the only module that speaks SQL, on SQLite (the embedded default) or PostgreSQL.
//!
//! Handlers load rows with the getters and persist a whole request's effect with one
//! [`Store::apply`] call, which runs in a single transaction and commits before the handler
//! answers.
//!
//! **Correctness lives in the database**, so any number of server processes can share one:
//! - Rows that requests read, change and write back (clients, sign-ups, sign-ins, sessions) carry
//!   a `version`. [`Store::apply`] writes them `WHERE version = <the version read>` and bumps it;
//!   when another request (on this or another instance) wrote the row first, nothing matches and
//!   the whole transaction fails with [`StoreError::Stale`]. The handler then starts over from
//!   fresh rows ([`crate::routes::retrying`]), so a code is accepted at most once and at most
//!   `max_attempts` wrong guesses are ever judged.
//! - A code send is reserved ([`Change::ReserveSend`]) in the same transaction that stores the
//!   new code, before anything is sent: the budget count and the insert are one atomic step
//!   (SQLite: the write lock of `BEGIN IMMEDIATE`; PostgreSQL: a transaction-scoped advisory lock
//!   on the recipient).
//! - Racing sign-ups for one identifier are settled by the unique constraint on
//!   `identifications (kind, value)`.
//!
//! One copy of the SQL serves both backends: statements use `$N` placeholders, which SQLite
//! accepts too, and [`on_db!`] expands each query once per driver so both stay fully typed.

use crate::config::Synchronous;
use onetime_protocol::{SessionStatus, SignInStatus, SignUpStatus, VerificationStatus};
use serde::{Deserialize, Serialize};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::str::FromStr as _;
use std::time::Duration;

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint was violated (e.g. an identifier taken by a racing sign-up).
    #[error("unique constraint violated: {0}")]
    Conflict(String),
    /// A versioned row changed since it was read: the request must start over from fresh rows.
    #[error("a row changed since it was read")]
    Stale,
    /// [`Change::ReserveSend`] found the recipient's send budget spent.
    #[error("send budget spent; retry in {retry_after_secs} s")]
    SendBudgetSpent {
        /// Until the oldest send in the window leaves it.
        retry_after_secs: u64,
    },
    /// Anything else.
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

impl StoreError {
    fn from_sqlx(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e {
            if db.is_unique_violation() {
                return Self::Conflict(db.message().to_owned());
            }
            // PostgreSQL's serialization failure and deadlock: start over, like a stale row.
            if matches!(db.code().as_deref(), Some("40001" | "40P01")) {
                return Self::Stale;
            }
        }
        Self::Db(e)
    }
}

/// `clients` row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClientRow {
    /// `client_…`.
    pub id: String,
    /// The secret the cookie must carry besides the id; replaced when a session is created.
    pub token: String,
    /// Current sign-in.
    pub sign_in_id: Option<String>,
    /// Current sign-up.
    pub sign_up_id: Option<String>,
    /// Last activated session.
    pub last_active_session_id: Option<String>,
    /// Strategy of the last authentication.
    pub last_authentication_strategy: Option<String>,
    /// ms.
    pub created_at: i64,
    /// ms.
    pub updated_at: i64,
    /// Optimistic-concurrency version: 0 for a row not stored yet, else as read.
    pub version: i64,
}

/// `users` row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    /// `user_…`.
    pub id: String,
    /// Lower-cased username.
    pub username: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// ms.
    pub last_sign_in_at: Option<i64>,
    /// ms.
    pub created_at: i64,
    /// ms.
    pub updated_at: i64,
}

/// `identifications` row: a verified phone number or email address of a user.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct IdentRow {
    /// `idn_…`.
    pub id: String,
    /// Owner.
    pub user_id: String,
    /// `phone_number` or `email_address`.
    pub kind: String,
    /// The value.
    pub value: String,
    /// `phone_code` or `email_code`.
    pub strategy: String,
    /// ms.
    pub created_at: i64,
}

/// State of one code verification (stored as JSON).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VerifState {
    /// `phone_code` / `email_code`.
    pub strategy: String,
    /// Where the code went (E.164 / email).
    pub target: String,
    /// For sign-in: the identification the code was sent to.
    #[serde(default)]
    pub ident_id: Option<String>,
    /// HMAC of the current code (never the code).
    #[serde(default)]
    pub code_mac: Option<String>,
    /// Unverified, verified, failed or expired (stored as the wire string).
    pub status: VerificationStatus,
    /// Wrong attempts (not reset by a new prepare).
    #[serde(default)]
    pub attempts: u32,
    /// Expiry of the current code (ms).
    #[serde(default)]
    pub expire_at: Option<i64>,
    /// Last successful send (ms), for the resend cooldown.
    #[serde(default)]
    pub last_sent_at: Option<i64>,
}

/// Per-field verification state of a sign-up.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SignUpVerifs {
    /// Phone verification.
    #[serde(default)]
    pub phone_number: Option<VerifState>,
    /// Email verification.
    #[serde(default)]
    pub email_address: Option<VerifState>,
}

/// `sign_ups` row.
#[derive(Debug, Clone)]
pub struct SignUpRow {
    /// `sua_…`.
    pub id: String,
    /// Owning client.
    pub client_id: String,
    /// Missing requirements or complete (abandoned is derived from `abandon_at`).
    pub status: SignUpStatus,
    /// E.164.
    pub phone_number: Option<String>,
    /// Lower-cased.
    pub email_address: Option<String>,
    /// Lower-cased.
    pub username: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Locale.
    pub locale: Option<String>,
    /// Verification state.
    pub verifications: SignUpVerifs,
    /// Set on completion.
    pub created_user_id: Option<String>,
    /// Set on completion.
    pub created_session_id: Option<String>,
    /// ms.
    pub abandon_at: i64,
    /// ms.
    pub created_at: i64,
    /// ms.
    pub updated_at: i64,
    /// Optimistic-concurrency version: 0 for a row not stored yet, else as read.
    pub version: i64,
}

/// `sign_ins` row.
#[derive(Debug, Clone)]
pub struct SignInRow {
    /// `sia_…`.
    pub id: String,
    /// Owning client.
    pub client_id: String,
    /// Needs a first factor or complete (abandoned is derived from `abandon_at`).
    pub status: SignInStatus,
    /// As given (normalised).
    pub identifier: Option<String>,
    /// The user being signed in.
    pub user_id: Option<String>,
    /// Locale.
    pub locale: Option<String>,
    /// Prepared first factor.
    pub first_factor: Option<VerifState>,
    /// Set on completion.
    pub created_session_id: Option<String>,
    /// ms.
    pub abandon_at: i64,
    /// ms.
    pub created_at: i64,
    /// ms.
    pub updated_at: i64,
    /// Optimistic-concurrency version: 0 for a row not stored yet, else as read.
    pub version: i64,
}

/// `sessions` row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    /// `sess_…`.
    pub id: String,
    /// Owning client.
    pub client_id: String,
    /// Signed-in user.
    pub user_id: String,
    /// Active, ended, removed, ... (expired is derived from `expire_at`).
    #[sqlx(try_from = "String")]
    pub status: SessionStatus,
    /// ms.
    pub expire_at: i64,
    /// ms.
    pub last_active_at: i64,
    /// ms.
    pub created_at: i64,
    /// ms.
    pub updated_at: i64,
    /// Optimistic-concurrency version: 0 for a row not stored yet, else as read.
    pub version: i64,
}

/// One write, applied inside [`Store::apply`]'s transaction.
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)] // short-lived, a handful per request
pub enum Change {
    /// Insert (version 0) or update (version as read) a client.
    Client(ClientRow),
    /// Delete a client.
    DeleteClient(String),
    /// Insert or update a sign-up (versioned like [`Change::Client`]).
    SignUp(SignUpRow),
    /// Insert or update a sign-in (versioned).
    SignIn(SignInRow),
    /// Insert or update a session (versioned).
    Session(SessionRow),
    /// Insert a user (username uniqueness enforced).
    NewUser(UserRow),
    /// Insert an identification (uniqueness enforced).
    NewIdent(IdentRow),
    /// Record a sign-in time.
    UserSignedIn {
        /// User.
        user_id: String,
        /// ms.
        at: i64,
    },
    /// Reserve one code send at `at` in every bucket, unless one of them already holds `limit`
    /// sends in the `window_ms` before it ([`StoreError::SendBudgetSpent`], nothing reserved).
    /// Also forgets the buckets' sends that left their windows.
    ReserveSend {
        /// The budgets this send counts against.
        buckets: Vec<SendBucket>,
        /// ms.
        at: i64,
    },
    /// Give back the reservations made at `at` in these buckets (the delivery failed).
    CancelSend {
        /// Bucket keys, as reserved.
        keys: Vec<String>,
        /// ms, as reserved.
        at: i64,
    },
    /// A wrong code for `identifier`: one more consecutive failure; at `max_failures` the
    /// identifier is locked until `at + lockout_ms` (and the count starts again).
    CodeFailed {
        /// Phone or email.
        identifier: String,
        /// ms.
        at: i64,
        /// Failures that lock.
        max_failures: i64,
        /// Lock duration, ms.
        lockout_ms: i64,
    },
    /// A right code for `identifier`: its consecutive failures start again from zero.
    CodeSucceeded {
        /// Phone or email.
        identifier: String,
    },
}

/// One send budget: at most `limit` sends per sliding `window_ms` under `key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendBucket {
    /// The recipient (E.164 phone, email mailbox), `ip:<address>` or `sms:all`.
    pub key: String,
    /// Sends per window.
    pub limit: i64,
    /// Sliding window, ms.
    pub window_ms: i64,
}

/// What one housekeeping pass deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Housekept {
    /// Abandoned (or long finished) sign-ins.
    pub sign_ins: u64,
    /// Abandoned (or long finished) sign-ups.
    pub sign_ups: u64,
    /// Send records past every budget window.
    pub sends: u64,
    /// Clients with no active session, idle past their lifetime.
    pub clients: u64,
}

/// Which database a [`Store`] speaks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite file (the default).
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

impl Backend {
    /// The backend a `sqlite://…` / `postgres://…` URL names.
    pub fn of_url(url: &str) -> anyhow::Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres)
        } else {
            anyhow::bail!(
                "unsupported database URL {:?}: expected sqlite://PATH or postgres://USER:PASSWORD@HOST:PORT/DB",
                redact(url)
            )
        }
    }
}

/// How to open the database.
#[derive(Debug, Clone)]
pub struct DatabaseOptions {
    /// `sqlite://PATH` or `postgres://USER:PASSWORD@HOST:PORT/DB`.
    pub url: String,
    /// Pool size (default: 4 for SQLite, 10 for PostgreSQL).
    pub max_connections: Option<u32>,
    /// PostgreSQL `statement_timeout`, ms (0 = none).
    pub statement_timeout_ms: u64,
    /// SQLite durability (see [`Synchronous`]).
    pub synchronous: Synchronous,
}

impl DatabaseOptions {
    /// Defaults for `url`.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            max_connections: None,
            statement_timeout_ms: 5_000,
            synchronous: Synchronous::default(),
        }
    }
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// SQLite has one writer at a time anyway, so every write goes through a pool of exactly one
/// connection: writers queue in the pool (in order, without polling) instead of meeting
/// `SQLITE_BUSY` inside SQLite and sleeping in its busy handler; reads use their own pool and
/// run beside the write (WAL readers never wait for the writer).
#[derive(Debug, Clone)]
enum Db {
    Sqlite {
        reader: SqlitePool,
        writer: SqlitePool,
    },
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to the typed pool of whichever backend is open: one copy of
/// the query text, compiled once per driver.
macro_rules! on_db {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.db {
            Db::Sqlite { reader: $pool, .. } => $body,
            Db::Postgres($pool) => $body,
        }
    };
    ($store:expr, write $pool:ident => $body:expr) => {
        match &$store.db {
            Db::Sqlite { writer: $pool, .. } => $body,
            Db::Postgres($pool) => $body,
        }
    };
}

/// The database.
#[derive(Debug, Clone)]
pub struct Store {
    db: Db,
    locks: KeyedLocks,
}

/// Held for the whole read-modify-write of a mutating request.
pub type WriteGuard = tokio::sync::OwnedMutexGuard<()>;

/// In-process mutexes by key (client id). Entries are dropped once unused. Only an optimisation:
/// requests of one client on one instance queue instead of retrying; the guarantees come from
/// the database (see the module docs).
#[derive(Debug, Clone, Default)]
struct KeyedLocks(
    std::sync::Arc<
        std::sync::Mutex<
            std::collections::HashMap<String, std::sync::Weak<tokio::sync::Mutex<()>>>,
        >,
    >,
);

impl KeyedLocks {
    async fn lock(&self, key: &str) -> WriteGuard {
        let m = {
            let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
            if map.len() > 1024 {
                map.retain(|_, w| w.strong_count() > 0);
            }
            match map.get(key).and_then(std::sync::Weak::upgrade) {
                Some(m) => m,
                None => {
                    let m = std::sync::Arc::new(tokio::sync::Mutex::new(()));
                    map.insert(key.to_owned(), std::sync::Arc::downgrade(&m));
                    m
                }
            }
        };
        m.lock_owned().await
    }
}

fn json_column<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, sqlx::Error> {
    serde_json::from_str(text).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

fn to_json<T: Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Db(sqlx::Error::Encode(Box::new(e))))
}

/// Row decoding by hand (JSON columns, joins), generic over the driver's row type.
trait DecodeRow: sqlx::Row {
    fn text(&self, column: &str) -> Result<String, sqlx::Error>;
    fn opt_text(&self, column: &str) -> Result<Option<String>, sqlx::Error>;
    fn int(&self, column: &str) -> Result<i64, sqlx::Error>;
    fn opt_int(&self, column: &str) -> Result<Option<i64>, sqlx::Error>;
}

impl<R: sqlx::Row> DecodeRow for R
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    fn text(&self, column: &str) -> Result<String, sqlx::Error> {
        self.try_get(column)
    }
    fn opt_text(&self, column: &str) -> Result<Option<String>, sqlx::Error> {
        self.try_get(column)
    }
    fn int(&self, column: &str) -> Result<i64, sqlx::Error> {
        self.try_get(column)
    }
    fn opt_int(&self, column: &str) -> Result<Option<i64>, sqlx::Error> {
        self.try_get(column)
    }
}

fn sign_up_from_row(r: &impl DecodeRow) -> Result<SignUpRow, sqlx::Error> {
    Ok(SignUpRow {
        id: r.text("id")?,
        client_id: r.text("client_id")?,
        status: r.text("status")?.into(),
        phone_number: r.opt_text("phone_number")?,
        email_address: r.opt_text("email_address")?,
        username: r.opt_text("username")?,
        first_name: r.opt_text("first_name")?,
        last_name: r.opt_text("last_name")?,
        locale: r.opt_text("locale")?,
        verifications: json_column(&r.text("verifications")?)?,
        created_user_id: r.opt_text("created_user_id")?,
        created_session_id: r.opt_text("created_session_id")?,
        abandon_at: r.int("abandon_at")?,
        created_at: r.int("created_at")?,
        updated_at: r.int("updated_at")?,
        version: r.int("version")?,
    })
}

fn sign_in_from_row(r: &impl DecodeRow) -> Result<SignInRow, sqlx::Error> {
    Ok(SignInRow {
        id: r.text("id")?,
        client_id: r.text("client_id")?,
        status: r.text("status")?.into(),
        identifier: r.opt_text("identifier")?,
        user_id: r.opt_text("user_id")?,
        locale: r.opt_text("locale")?,
        first_factor: r
            .opt_text("first_factor")?
            .map(|s| json_column(&s))
            .transpose()?,
        created_session_id: r.opt_text("created_session_id")?,
        abandon_at: r.int("abandon_at")?,
        created_at: r.int("created_at")?,
        updated_at: r.int("updated_at")?,
        version: r.int("version")?,
    })
}

fn user_ident_from_row(r: &impl DecodeRow) -> Result<(UserRow, Option<IdentRow>), sqlx::Error> {
    let user_id = r.text("u_id")?;
    let ident = match r.opt_text("i_id")? {
        Some(id) => Some(IdentRow {
            id,
            user_id: user_id.clone(),
            kind: r.text("kind")?,
            value: r.text("value")?,
            strategy: r.text("strategy")?,
            created_at: r.int("i_created_at")?,
        }),
        None => None,
    };
    let user = UserRow {
        id: user_id,
        username: r.opt_text("username")?,
        first_name: r.opt_text("first_name")?,
        last_name: r.opt_text("last_name")?,
        last_sign_in_at: r.opt_int("last_sign_in_at")?,
        created_at: r.int("u_created_at")?,
        updated_at: r.int("u_updated_at")?,
    };
    Ok((user, ident))
}

/// Executes one versioned write: an insert for a row not stored yet (`version == 0`), else an
/// update guarded by the version read; no row updated means another request won.
macro_rules! versioned {
    ($conn:expr, $version:expr, $insert:expr, $update:expr) => {{
        if $version == 0 {
            $insert
                .execute(&mut *$conn)
                .await
                .map_err(StoreError::from_sqlx)?;
        } else if $update
            .bind($version)
            .execute(&mut *$conn)
            .await
            .map_err(StoreError::from_sqlx)?
            .rows_affected()
            == 0
        {
            return Err(StoreError::Stale);
        }
    }};
}

/// Applies one change on a transaction's connection (expanded once per driver).
macro_rules! apply_change {
    ($conn:expr, $ch:expr, $lock_recipient:expr) => {
        match $ch {
            Change::Client(c) => versioned!(
                $conn,
                c.version,
                sqlx::query(
                    "INSERT INTO clients (id, sign_in_id, sign_up_id, last_active_session_id, \
                     last_authentication_strategy, created_at, updated_at, token, version) \
                     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,1)",
                )
                .bind(&c.id)
                .bind(&c.sign_in_id)
                .bind(&c.sign_up_id)
                .bind(&c.last_active_session_id)
                .bind(&c.last_authentication_strategy)
                .bind(c.created_at)
                .bind(c.updated_at)
                .bind(&c.token),
                sqlx::query(
                    "UPDATE clients SET sign_in_id = $2, sign_up_id = $3, last_active_session_id = $4, \
                     last_authentication_strategy = $5, updated_at = $6, token = $7, \
                     version = version + 1 WHERE id = $1 AND version = $8",
                )
                .bind(&c.id)
                .bind(&c.sign_in_id)
                .bind(&c.sign_up_id)
                .bind(&c.last_active_session_id)
                .bind(&c.last_authentication_strategy)
                .bind(c.updated_at)
                .bind(&c.token)
            ),
            Change::DeleteClient(id) => {
                sqlx::query("DELETE FROM clients WHERE id = $1")
                    .bind(id)
                    .execute(&mut *$conn)
                    .await
                    .map_err(StoreError::from_sqlx)?;
            }
            Change::SignUp(s) => {
                let verifications = to_json(&s.verifications)?;
                versioned!(
                    $conn,
                    s.version,
                    sqlx::query(
                        "INSERT INTO sign_ups (id, client_id, status, phone_number, email_address, \
                         username, first_name, last_name, locale, verifications, created_user_id, \
                         created_session_id, abandon_at, created_at, updated_at, version) \
                         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,1)",
                    )
                    .bind(&s.id)
                    .bind(&s.client_id)
                    .bind(s.status.as_str())
                    .bind(&s.phone_number)
                    .bind(&s.email_address)
                    .bind(&s.username)
                    .bind(&s.first_name)
                    .bind(&s.last_name)
                    .bind(&s.locale)
                    .bind(&verifications)
                    .bind(&s.created_user_id)
                    .bind(&s.created_session_id)
                    .bind(s.abandon_at)
                    .bind(s.created_at)
                    .bind(s.updated_at),
                    sqlx::query(
                        "UPDATE sign_ups SET status = $2, phone_number = $3, email_address = $4, \
                         username = $5, first_name = $6, last_name = $7, locale = $8, \
                         verifications = $9, created_user_id = $10, created_session_id = $11, \
                         abandon_at = $12, updated_at = $13, version = version + 1 \
                         WHERE id = $1 AND version = $14",
                    )
                    .bind(&s.id)
                    .bind(s.status.as_str())
                    .bind(&s.phone_number)
                    .bind(&s.email_address)
                    .bind(&s.username)
                    .bind(&s.first_name)
                    .bind(&s.last_name)
                    .bind(&s.locale)
                    .bind(&verifications)
                    .bind(&s.created_user_id)
                    .bind(&s.created_session_id)
                    .bind(s.abandon_at)
                    .bind(s.updated_at)
                )
            }
            Change::SignIn(s) => {
                let first_factor = s.first_factor.as_ref().map(to_json).transpose()?;
                versioned!(
                    $conn,
                    s.version,
                    sqlx::query(
                        "INSERT INTO sign_ins (id, client_id, status, identifier, user_id, locale, \
                         first_factor, created_session_id, abandon_at, created_at, updated_at, version) \
                         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,1)",
                    )
                    .bind(&s.id)
                    .bind(&s.client_id)
                    .bind(s.status.as_str())
                    .bind(&s.identifier)
                    .bind(&s.user_id)
                    .bind(&s.locale)
                    .bind(&first_factor)
                    .bind(&s.created_session_id)
                    .bind(s.abandon_at)
                    .bind(s.created_at)
                    .bind(s.updated_at),
                    sqlx::query(
                        "UPDATE sign_ins SET status = $2, identifier = $3, user_id = $4, \
                         first_factor = $5, created_session_id = $6, abandon_at = $7, \
                         updated_at = $8, version = version + 1 WHERE id = $1 AND version = $9",
                    )
                    .bind(&s.id)
                    .bind(s.status.as_str())
                    .bind(&s.identifier)
                    .bind(&s.user_id)
                    .bind(&first_factor)
                    .bind(&s.created_session_id)
                    .bind(s.abandon_at)
                    .bind(s.updated_at)
                )
            }
            Change::Session(s) => versioned!(
                $conn,
                s.version,
                sqlx::query(
                    "INSERT INTO sessions (id, client_id, user_id, status, expire_at, last_active_at, \
                     created_at, updated_at, version) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,1)",
                )
                .bind(&s.id)
                .bind(&s.client_id)
                .bind(&s.user_id)
                .bind(s.status.as_str())
                .bind(s.expire_at)
                .bind(s.last_active_at)
                .bind(s.created_at)
                .bind(s.updated_at),
                sqlx::query(
                    "UPDATE sessions SET status = $2, expire_at = $3, last_active_at = $4, \
                     updated_at = $5, version = version + 1 WHERE id = $1 AND version = $6",
                )
                .bind(&s.id)
                .bind(s.status.as_str())
                .bind(s.expire_at)
                .bind(s.last_active_at)
                .bind(s.updated_at)
            ),
            Change::NewUser(u) => {
                sqlx::query(
                    "INSERT INTO users (id, username, first_name, last_name, last_sign_in_at, \
                     created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7)",
                )
                .bind(&u.id)
                .bind(&u.username)
                .bind(&u.first_name)
                .bind(&u.last_name)
                .bind(u.last_sign_in_at)
                .bind(u.created_at)
                .bind(u.updated_at)
                .execute(&mut *$conn)
                .await
                .map_err(StoreError::from_sqlx)?;
            }
            Change::NewIdent(i) => {
                sqlx::query(
                    "INSERT INTO identifications (id, user_id, kind, value, strategy, created_at) \
                     VALUES ($1,$2,$3,$4,$5,$6)",
                )
                .bind(&i.id)
                .bind(&i.user_id)
                .bind(&i.kind)
                .bind(&i.value)
                .bind(&i.strategy)
                .bind(i.created_at)
                .execute(&mut *$conn)
                .await
                .map_err(StoreError::from_sqlx)?;
            }
            Change::UserSignedIn { user_id, at } => {
                sqlx::query("UPDATE users SET last_sign_in_at = $1, updated_at = $1 WHERE id = $2")
                    .bind(at)
                    .bind(user_id)
                    .execute(&mut *$conn)
                    .await
                    .map_err(StoreError::from_sqlx)?;
            }
            Change::ReserveSend { buckets, at } => {
                let mut sorted: Vec<&SendBucket> = buckets.iter().collect();
                // A fixed order, so two transactions never wait for each other's locks in turn.
                sorted.sort_by(|x, y| x.key.cmp(&y.key));
                for bucket in sorted {
                    if let Some(lock) = $lock_recipient {
                        // Serialises the count and the insert per bucket until commit.
                        sqlx::query(lock)
                            .bind(&bucket.key)
                            .execute(&mut *$conn)
                            .await
                            .map_err(StoreError::from_sqlx)?;
                    }
                    sqlx::query("DELETE FROM code_sends WHERE identifier = $1 AND sent_at <= $2")
                        .bind(&bucket.key)
                        .bind(at - bucket.window_ms)
                        .execute(&mut *$conn)
                        .await
                        .map_err(StoreError::from_sqlx)?;
                    let inserted = sqlx::query(
                        "INSERT INTO code_sends (identifier, sent_at) SELECT $1, $2 \
                         WHERE (SELECT COUNT(*) FROM code_sends WHERE identifier = $1) < $3",
                    )
                    .bind(&bucket.key)
                    .bind(at)
                    .bind(bucket.limit)
                    .execute(&mut *$conn)
                    .await
                    .map_err(StoreError::from_sqlx)?
                    .rows_affected();
                    if inserted == 0 {
                        let oldest: Option<i64> = sqlx::query_scalar(
                            "SELECT MIN(sent_at) FROM code_sends WHERE identifier = $1",
                        )
                        .bind(&bucket.key)
                        .fetch_one(&mut *$conn)
                        .await
                        .map_err(StoreError::from_sqlx)?;
                        let wait_ms = oldest.unwrap_or(*at) + bucket.window_ms - at;
                        return Err(StoreError::SendBudgetSpent {
                            retry_after_secs: u64::try_from((wait_ms + 999) / 1000)
                                .unwrap_or(1)
                                .max(1),
                        });
                    }
                }
            }
            Change::CancelSend { keys, at } => {
                for key in keys {
                    sqlx::query(
                        "DELETE FROM code_sends WHERE id = (SELECT id FROM code_sends \
                         WHERE identifier = $1 AND sent_at = $2 LIMIT 1)",
                    )
                    .bind(key)
                    .bind(at)
                    .execute(&mut *$conn)
                    .await
                    .map_err(StoreError::from_sqlx)?;
                }
            }
            Change::CodeFailed {
                identifier,
                at,
                max_failures,
                lockout_ms,
            } => {
                sqlx::query(
                    "INSERT INTO lockouts (identifier, failures, locked_until) VALUES ($1, 1, NULL) \
                     ON CONFLICT (identifier) DO UPDATE SET failures = lockouts.failures + 1",
                )
                .bind(identifier)
                .execute(&mut *$conn)
                .await
                .map_err(StoreError::from_sqlx)?;
                sqlx::query(
                    "UPDATE lockouts SET locked_until = $2, failures = 0 \
                     WHERE identifier = $1 AND failures >= $3",
                )
                .bind(identifier)
                .bind(at + lockout_ms)
                .bind(max_failures)
                .execute(&mut *$conn)
                .await
                .map_err(StoreError::from_sqlx)?;
            }
            Change::CodeSucceeded { identifier } => {
                sqlx::query("DELETE FROM lockouts WHERE identifier = $1")
                    .bind(identifier)
                    .execute(&mut *$conn)
                    .await
                    .map_err(StoreError::from_sqlx)?;
            }
        }
    };
}

/// PostgreSQL: a transaction-scoped advisory lock keyed by the recipient.
const PG_LOCK_RECIPIENT: &str = "SELECT pg_advisory_xact_lock(hashtextextended($1, 7))";

impl Store {
    /// Opens (creating the SQLite file and its directory if needed) and migrates the database.
    /// SQLite runs in WAL mode with the configured `synchronous` (see [`Synchronous`]).
    /// Migrations are embedded per backend and safe when several instances start at once.
    pub async fn connect(options: &DatabaseOptions) -> anyhow::Result<Self> {
        let url = options.url.as_str();
        let db = match Backend::of_url(url)? {
            Backend::Sqlite => {
                let (reader, writer) = Self::open_sqlite(options).await?;
                Db::Sqlite { reader, writer }
            }
            Backend::Postgres => Db::Postgres(Self::open_postgres(options).await?),
        };
        Ok(Self {
            db,
            locks: KeyedLocks::default(),
        })
    }

    /// The reader pool and the one-connection writer pool (which creates and migrates the file).
    async fn open_sqlite(options: &DatabaseOptions) -> anyhow::Result<(SqlitePool, SqlitePool)> {
        let url = options.url.as_str();
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or_default();
        let path = path.split('?').next().unwrap_or(path);
        if !path.is_empty()
            && path != ":memory:"
            && let Some(parent) = std::path::Path::new(path).parent()
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent).map_err(|e| {
                anyhow::anyhow!("cannot create directory {}: {e}", parent.display())
            })?;
        }
        let opts = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(match options.synchronous {
                Synchronous::Normal => SqliteSynchronous::Normal,
                Synchronous::Full => SqliteSynchronous::Full,
            })
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        // No ping before each acquire (sqlx's default): it is one more round trip to the
        // connection's thread per query, and a local file cannot go stale like a socket.
        let writer = SqlitePoolOptions::new()
            .test_before_acquire(false)
            .max_connections(1)
            .connect_with(opts.clone())
            .await
            .map_err(|e| anyhow::anyhow!("cannot open database {url}: {e}"))?;
        // SQLite has no migration lock: an instance that starts while another migrates the same
        // file sees "already exists" once, and finds the work done when it looks again.
        let mut tries = 0;
        loop {
            match sqlx::migrate!("./migrations/sqlite").run(&writer).await {
                Ok(()) => break,
                Err(e) if tries < 5 => {
                    tries += 1;
                    tracing::debug!(error = %e, "migration raced another instance; looking again");
                    tokio::time::sleep(Duration::from_millis(100 * tries)).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
        if path.is_empty() || path == ":memory:" || url.contains("mode=memory") {
            // Each connection to an in-memory database is a database of its own.
            return Ok((writer.clone(), writer));
        }
        let reader = SqlitePoolOptions::new()
            .test_before_acquire(false)
            .max_connections(options.max_connections.unwrap_or(4))
            .connect_with(opts.read_only(true))
            .await
            .map_err(|e| anyhow::anyhow!("cannot open database {url}: {e}"))?;
        Ok((reader, writer))
    }

    async fn open_postgres(options: &DatabaseOptions) -> anyhow::Result<PgPool> {
        let shown = redact(&options.url);
        let mut opts = PgConnectOptions::from_str(&options.url)
            .map_err(|e| anyhow::anyhow!("invalid database URL {shown}: {e}"))?;
        if options.statement_timeout_ms > 0 {
            opts = opts.options([(
                "statement_timeout",
                format!("{}ms", options.statement_timeout_ms),
            )]);
        }
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections.unwrap_or(10))
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(opts)
            .await
            .map_err(|e| anyhow::anyhow!("cannot connect to {shown}: {e}"))?;
        // sqlx holds a PostgreSQL advisory lock while it migrates: concurrent starts wait.
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        Ok(pool)
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        match self.db {
            Db::Sqlite { .. } => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Serialises the mutating requests of one client on this instance (`None` for a request
    /// without a client, which cannot conflict with anything). An optimisation only: concurrent
    /// requests on other instances are settled by the row versions.
    pub async fn lock_client(&self, client_id: Option<&str>) -> Option<WriteGuard> {
        match client_id {
            Some(id) => Some(self.locks.lock(id).await),
            None => None,
        }
    }

    /// Applies all changes in one transaction (committed before returning). Fails with
    /// [`StoreError::Stale`] (and writes nothing) when a versioned row changed since it was read.
    pub async fn apply(&self, changes: Vec<Change>) -> Result<(), StoreError> {
        match &self.db {
            Db::Sqlite { writer: pool, .. } => {
                // IMMEDIATE takes the write lock up front (waiting out busy_timeout), so reads
                // inside the transaction see the latest commit of every process.
                let mut tx = pool
                    .begin_with("BEGIN IMMEDIATE")
                    .await
                    .map_err(StoreError::from_sqlx)?;
                for ch in &changes {
                    apply_change!(tx, ch, None::<&str>);
                }
                tx.commit().await.map_err(StoreError::from_sqlx)?;
            }
            Db::Postgres(pool) => {
                let mut tx = pool.begin().await.map_err(StoreError::from_sqlx)?;
                for ch in &changes {
                    apply_change!(tx, ch, Some(PG_LOCK_RECIPIENT));
                }
                tx.commit().await.map_err(StoreError::from_sqlx)?;
            }
        }
        Ok(())
    }

    /// A value from the `settings` table.
    pub async fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(on_db!(self, pool => {
            sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
                .bind(key)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// Stores `value` under `key` unless a value exists; returns the stored value (so two
    /// processes starting at once agree).
    pub async fn setting_or_insert(&self, key: &str, value: &str) -> Result<String, StoreError> {
        on_db!(self, write pool => {
            sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
                .bind(key)
                .bind(value)
                .execute(pool)
                .await
                .map(drop)?
        });
        Ok(self.setting(key).await?.unwrap_or_else(|| value.to_owned()))
    }

    /// A client by id.
    pub async fn client(&self, id: &str) -> Result<Option<ClientRow>, StoreError> {
        Ok(on_db!(self, pool => {
            sqlx::query_as("SELECT * FROM clients WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// A sign-up by id.
    pub async fn sign_up(&self, id: &str) -> Result<Option<SignUpRow>, StoreError> {
        Ok(on_db!(self, pool => {
            sqlx::query("SELECT * FROM sign_ups WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?
                .as_ref()
                .map(sign_up_from_row)
                .transpose()?
        }))
    }

    /// A sign-in by id.
    pub async fn sign_in(&self, id: &str) -> Result<Option<SignInRow>, StoreError> {
        Ok(on_db!(self, pool => {
            sqlx::query("SELECT * FROM sign_ins WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?
                .as_ref()
                .map(sign_in_from_row)
                .transpose()?
        }))
    }

    /// A session by id.
    pub async fn session(&self, id: &str) -> Result<Option<SessionRow>, StoreError> {
        Ok(on_db!(self, pool => {
            sqlx::query_as("SELECT * FROM sessions WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// Sessions of a client with the given status, oldest first.
    pub async fn client_sessions(
        &self,
        client_id: &str,
        status: SessionStatus,
    ) -> Result<Vec<SessionRow>, StoreError> {
        Ok(on_db!(self, pool => {
            sqlx::query_as(
                "SELECT * FROM sessions WHERE client_id = $1 AND status = $2 ORDER BY created_at, id",
            )
            .bind(client_id)
            .bind(status.as_str())
            .fetch_all(pool)
            .await?
        }))
    }

    /// A user by id.
    pub async fn user(&self, id: &str) -> Result<Option<UserRow>, StoreError> {
        Ok(on_db!(self, pool => {
            sqlx::query_as("SELECT * FROM users WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// A user and its identifications (oldest first) in one query.
    pub async fn user_with_idents(
        &self,
        id: &str,
    ) -> Result<Option<(UserRow, Vec<IdentRow>)>, StoreError> {
        let rows = on_db!(self, pool => {
            sqlx::query(
                "SELECT u.id AS u_id, u.username, u.first_name, u.last_name, u.last_sign_in_at, \
                 u.created_at AS u_created_at, u.updated_at AS u_updated_at, \
                 i.id AS i_id, i.kind, i.value, i.strategy, i.created_at AS i_created_at \
                 FROM users u LEFT JOIN identifications i ON i.user_id = u.id \
                 WHERE u.id = $1 ORDER BY i.created_at, i.id",
            )
            .bind(id)
            .fetch_all(pool)
            .await?
            .iter()
            .map(user_ident_from_row)
            .collect::<Result<Vec<_>, sqlx::Error>>()?
        });
        let mut rows = rows.into_iter();
        let Some((user, first)) = rows.next() else {
            return Ok(None);
        };
        let idents = first
            .into_iter()
            .chain(rows.filter_map(|(_, ident)| ident))
            .collect();
        Ok(Some((user, idents)))
    }

    /// A user by (lower-cased) username.
    pub async fn user_by_username(&self, username: &str) -> Result<Option<UserRow>, StoreError> {
        Ok(on_db!(self, pool => {
            sqlx::query_as("SELECT * FROM users WHERE username = $1")
                .bind(username)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// Identifications of a user, oldest first.
    pub async fn user_idents(&self, user_id: &str) -> Result<Vec<IdentRow>, StoreError> {
        Ok(on_db!(self, pool => {
            sqlx::query_as(
                "SELECT * FROM identifications WHERE user_id = $1 ORDER BY created_at, id",
            )
            .bind(user_id)
            .fetch_all(pool)
            .await?
        }))
    }

    /// The identification with this kind and value.
    pub async fn ident_by_value(
        &self,
        kind: &str,
        value: &str,
    ) -> Result<Option<IdentRow>, StoreError> {
        Ok(on_db!(self, pool => {
            sqlx::query_as("SELECT * FROM identifications WHERE kind = $1 AND value = $2")
                .bind(kind)
                .bind(value)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// Adds a token signing key (a second instance adding the same one is a no-op).
    pub async fn add_signing_key(
        &self,
        kid: &str,
        pem: &str,
        jwk: &str,
        at: i64,
    ) -> Result<(), StoreError> {
        on_db!(self, write pool => {
            sqlx::query(
                "INSERT INTO signing_keys (kid, pem, jwk, created_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (kid) DO NOTHING",
            )
            .bind(kid)
            .bind(pem)
            .bind(jwk)
            .bind(at)
            .execute(pool)
            .await
            .map(drop)?
        });
        Ok(())
    }

    /// The newest `limit` signing keys as (kid, PEM, JWK JSON), newest first.
    pub async fn signing_keys(
        &self,
        limit: i64,
    ) -> Result<Vec<(String, String, String)>, StoreError> {
        Ok(on_db!(self, pool => {
            sqlx::query_as(
                "SELECT kid, pem, jwk FROM signing_keys ORDER BY created_at DESC, kid LIMIT $1",
            )
            .bind(limit)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Until when (ms) `identifier` is locked after too many wrong codes, if it ever was.
    pub async fn locked_until(&self, identifier: &str) -> Result<Option<i64>, StoreError> {
        Ok(on_db!(self, pool => {
            sqlx::query_scalar::<_, Option<i64>>(
                "SELECT locked_until FROM lockouts WHERE identifier = $1",
            )
            .bind(identifier)
            .fetch_optional(pool)
            .await?
            .flatten()
        }))
    }

    /// Deletes what nobody can use any more: sign-ins and sign-ups abandoned before
    /// `abandoned_before` (ms), send records older than `sends_before`, and clients without an
    /// active session idle since `idle_before`. Idempotent; safe on any number of instances.
    pub async fn housekeep(
        &self,
        abandoned_before: i64,
        sends_before: i64,
        idle_before: i64,
    ) -> Result<Housekept, StoreError> {
        Ok(on_db!(self, write pool => {
            let sign_ins = sqlx::query("DELETE FROM sign_ins WHERE abandon_at < $1")
                .bind(abandoned_before)
                .execute(pool)
                .await?
                .rows_affected();
            let sign_ups = sqlx::query("DELETE FROM sign_ups WHERE abandon_at < $1")
                .bind(abandoned_before)
                .execute(pool)
                .await?
                .rows_affected();
            let sends = sqlx::query("DELETE FROM code_sends WHERE sent_at < $1")
                .bind(sends_before)
                .execute(pool)
                .await?
                .rows_affected();
            let clients = sqlx::query(
                "DELETE FROM clients WHERE updated_at < $1 AND NOT EXISTS \
                 (SELECT 1 FROM sessions s WHERE s.client_id = clients.id AND s.status = 'active')",
            )
            .bind(idle_before)
            .execute(pool)
            .await?
            .rows_affected();
            Housekept { sign_ins, sign_ups, sends, clients }
        }))
    }

    /// Rows in `table` (tests check what housekeeping left).
    pub async fn count_rows(&self, table: &str) -> Result<i64, StoreError> {
        let sql = match table {
            "clients" => "SELECT COUNT(*) FROM clients",
            "sign_ins" => "SELECT COUNT(*) FROM sign_ins",
            "sign_ups" => "SELECT COUNT(*) FROM sign_ups",
            "code_sends" => "SELECT COUNT(*) FROM code_sends",
            _ => "SELECT COUNT(*) FROM sessions",
        };
        Ok(on_db!(self, pool => {
            sqlx::query_scalar(sql).fetch_one(pool).await?
        }))
    }

    /// Number of users (tests and benchmarks count them).
    pub async fn count_users(&self) -> Result<i64, StoreError> {
        Ok(on_db!(self, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(pool).await?
        }))
    }

    /// Number of send records for `identifier` (tests check reservations).
    pub async fn count_sends(&self, identifier: &str) -> Result<i64, StoreError> {
        Ok(on_db!(self, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM code_sends WHERE identifier = $1")
                .bind(identifier)
                .fetch_one(pool)
                .await?
        }))
    }
}
