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
//! One copy of the SQL serves both backends: statements use `$N` placeholders (SQLite accepts
//! them too) with their values as a list of [`Param`]s; [`changes`] says which statements each
//! [`Change`] runs, [`rows`] reads rows back, and the two drivers only execute:
//! [`sqlite`] (rusqlite, run inline on the request's thread) and [`postgres`] (sqlx).

mod changes;
mod postgres;
mod rows;
mod sqlite;

use crate::config::Synchronous;
use onetime_protocol::{SessionStatus, SignInStatus, SignUpStatus, VerificationStatus};
use rows::Columns;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::sync::Arc;

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint was violated (e.g. an identifier taken by a racing sign-up).
    #[error("unique constraint violated: {0}")]
    Conflict(String),
    /// A versioned row changed since it was read, or a row a change refers to was deleted
    /// meanwhile (a foreign key: the account of a sign-in that is completing was deleted): the
    /// request must start over from fresh rows.
    #[error("a row changed since it was read")]
    Stale,
    /// [`Change::ReserveSend`] found the recipient's send budget spent.
    #[error("send budget spent; retry in {retry_after_secs} s")]
    SendBudgetSpent {
        /// Until the oldest send in the window leaves it.
        retry_after_secs: u64,
    },
    /// A stored value this version cannot read (or a value it cannot store).
    #[error("unreadable stored value: {0}")]
    Corrupt(String),
    /// The transaction that held these changes was rolled back as a whole (SQLite's group
    /// commit: another request's failure took it down, or the commit itself failed).
    #[error("transaction aborted: {0}")]
    Aborted(String),
    /// SQLite failed.
    #[error(transparent)]
    Sqlite(rusqlite::Error),
    /// PostgreSQL (or a migration) failed.
    #[error(transparent)]
    Db(sqlx::Error),
}

/// A value bound to a `$N` placeholder: the two column types the tables use.
#[derive(Debug, Clone)]
pub(crate) enum Param<'a> {
    /// TEXT (NULL for `None`).
    Text(Option<Cow<'a, str>>),
    /// INTEGER / BIGINT (NULL for `None`).
    Int(Option<i64>),
}

impl<'a> From<&'a str> for Param<'a> {
    fn from(v: &'a str) -> Self {
        Self::Text(Some(Cow::Borrowed(v)))
    }
}
impl<'a> From<&'a String> for Param<'a> {
    fn from(v: &'a String) -> Self {
        Self::Text(Some(Cow::Borrowed(v)))
    }
}
impl<'a> From<&'a Option<String>> for Param<'a> {
    fn from(v: &'a Option<String>) -> Self {
        Self::Text(v.as_deref().map(Cow::Borrowed))
    }
}
impl From<Option<String>> for Param<'_> {
    fn from(v: Option<String>) -> Self {
        Self::Text(v.map(Cow::Owned))
    }
}
impl From<String> for Param<'_> {
    fn from(v: String) -> Self {
        Self::Text(Some(Cow::Owned(v)))
    }
}
impl From<i64> for Param<'_> {
    fn from(v: i64) -> Self {
        Self::Int(Some(v))
    }
}
impl From<Option<i64>> for Param<'_> {
    fn from(v: Option<i64>) -> Self {
        Self::Int(v)
    }
}

/// `params![a, b]`: the values for `$1`, `$2` (a `Vec`, for statement lists).
macro_rules! params {
    ($($value:expr),* $(,)?) => {
        vec![$($crate::store::Param::from($value)),*]
    };
}
use params;

/// `args![a, b]`: the values for `$1`, `$2` (an array, for one query).
macro_rules! args {
    ($($value:expr),* $(,)?) => {
        [$($crate::store::Param::from($value)),*]
    };
}
use args;

/// `clients` row.
#[derive(Debug, Clone)]
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
#[derive(Debug, Clone)]
pub struct UserRow {
    /// `user_…`.
    pub id: String,
    /// Lower-cased username.
    pub username: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// The email address chosen as primary (`None`: the oldest).
    pub primary_email_address_id: Option<String>,
    /// The phone number chosen as primary (`None`: the oldest).
    pub primary_phone_number_id: Option<String>,
    /// ms.
    pub last_sign_in_at: Option<i64>,
    /// ms.
    pub created_at: i64,
    /// ms.
    pub updated_at: i64,
}

/// `identifications` row: a verified phone number or email address of a user.
#[derive(Debug, Clone)]
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

/// `pending_identifications` row: a phone number or email address a signed-in user added and
/// has not verified yet.
#[derive(Debug, Clone)]
pub struct PendingIdentRow {
    /// `idn_…` (kept when it is verified and moves to `identifications`).
    pub id: String,
    /// Owner.
    pub user_id: String,
    /// `phone_number` or `email_address`.
    pub kind: String,
    /// The value (E.164 or lower-cased email).
    pub value: String,
    /// The code sent to it, once prepared.
    pub verification: Option<VerifState>,
    /// ms.
    pub created_at: i64,
    /// ms.
    pub updated_at: i64,
    /// Row version (0 = not stored yet).
    pub version: i64,
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
#[derive(Debug, Clone)]
pub struct SessionRow {
    /// `sess_…`.
    pub id: String,
    /// Owning client.
    pub client_id: String,
    /// Signed-in user.
    pub user_id: String,
    /// Active, ended, removed, ... (expired is derived from `expire_at`).
    pub status: SessionStatus,
    /// ms.
    pub expire_at: i64,
    /// ms.
    pub last_active_at: i64,
    /// The browser's `User-Agent` when the session was created (at most 512 characters).
    pub user_agent: Option<String>,
    /// The client address when the session was created.
    pub ip_address: Option<String>,
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
    /// Update a user's names and primary identifiers (no version: the last update wins, as
    /// for any profile form; the username's uniqueness is enforced).
    UpdateUser(UserRow),
    /// Insert or update an identifier being added (versioned like [`Change::Client`]).
    PendingIdent(PendingIdentRow),
    /// Forget an identifier being added (removed, or verified: then with a [`Change::NewIdent`]
    /// of the same id in the same commit).
    DeletePendingIdent(String),
    /// Remove a verified identifier of `user_id`.
    DeleteIdent {
        /// `idn_…`.
        id: String,
        /// Its owner (so no request can remove another user's).
        user_id: String,
    },
    /// Delete a user with its identifications (free to sign up again), sessions (every
    /// device signed out at once) and unfinished sign-ins.
    DeleteUser(String),
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

/// The open database: a driver per backend.
#[derive(Debug, Clone)]
enum Db {
    Sqlite(Arc<sqlite::Sqlite>),
    Postgres(sqlx::PgPool),
}

/// The database.
#[derive(Debug, Clone)]
pub struct Store {
    db: Db,
    locks: KeyedLocks,
}

type LockMap = std::collections::HashMap<String, std::sync::Weak<tokio::sync::Mutex<()>>>;

/// In-process mutexes by key (client id). An entry lives while someone holds or waits for its
/// mutex. Only an optimisation: requests of one client on one instance queue instead of
/// retrying; the guarantees come from the database (see the module docs).
#[derive(Debug, Clone, Default)]
struct KeyedLocks(Arc<std::sync::Mutex<LockMap>>);

/// Held for the whole read-modify-write of a mutating request.
#[derive(Debug)]
pub struct WriteGuard {
    _held: tokio::sync::OwnedMutexGuard<()>,
    key: String,
    locks: KeyedLocks,
}

impl Drop for WriteGuard {
    fn drop(&mut self) {
        let mut map = self.locks.0.lock().unwrap_or_else(|e| e.into_inner());
        // The map holds only weak references: a strong count of one is this guard, so nobody
        // waits for the mutex and the entry can go (a new locker needs the map lock we hold).
        if map.get(&self.key).is_some_and(|m| m.strong_count() <= 1) {
            map.remove(&self.key);
        }
    }
}

impl KeyedLocks {
    async fn lock(&self, key: &str) -> WriteGuard {
        let m = {
            let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
            match map.get(key).and_then(std::sync::Weak::upgrade) {
                Some(m) => m,
                None => {
                    let m = Arc::new(tokio::sync::Mutex::new(()));
                    map.insert(key.to_owned(), Arc::downgrade(&m));
                    m
                }
            }
        };
        WriteGuard {
            _held: m.lock_owned().await,
            key: key.to_owned(),
            locks: self.clone(),
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

/// Decodes one result row.
type Decode<T> = fn(&dyn Columns) -> Result<T, StoreError>;

impl Store {
    /// Opens (creating the SQLite file and its directory if needed) and migrates the database.
    /// SQLite runs in WAL mode with the configured `synchronous` (see [`Synchronous`]).
    /// Migrations are embedded per backend and safe when several instances start at once.
    pub async fn connect(options: &DatabaseOptions) -> anyhow::Result<Self> {
        let db = match Backend::of_url(&options.url)? {
            Backend::Sqlite => Db::Sqlite(Arc::new(sqlite::Sqlite::open(options).await?)),
            Backend::Postgres => Db::Postgres(postgres::open(options).await?),
        };
        Ok(Self {
            db,
            locks: KeyedLocks::default(),
        })
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        match self.db {
            Db::Sqlite(_) => Backend::Sqlite,
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
            Db::Sqlite(db) => db.apply(changes).await,
            Db::Postgres(pool) => postgres::apply(pool, &changes).await,
        }
    }

    /// Runs the statements in one transaction; the rows each changed.
    async fn write(
        &self,
        statements: &[(&'static str, Vec<Param<'_>>)],
    ) -> Result<Vec<u64>, StoreError> {
        match &self.db {
            Db::Sqlite(db) => db.write(statements).await,
            Db::Postgres(pool) => postgres::write(pool, statements).await,
        }
    }

    /// The rows a query returns, decoded.
    async fn fetch<T>(
        &self,
        sql: &'static str,
        params: &[Param<'_>],
        decode: Decode<T>,
    ) -> Result<Vec<T>, StoreError> {
        match &self.db {
            Db::Sqlite(db) => db.fetch(sql, params, decode).await,
            Db::Postgres(pool) => postgres::fetch(pool, sql, params, decode).await,
        }
    }

    /// The first row a query returns, decoded.
    async fn fetch_optional<T>(
        &self,
        sql: &'static str,
        params: &[Param<'_>],
        decode: Decode<T>,
    ) -> Result<Option<T>, StoreError> {
        Ok(self.fetch(sql, params, decode).await?.into_iter().next())
    }

    /// A value from the `settings` table.
    pub async fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.fetch_optional(
            "SELECT value FROM settings WHERE key = $1",
            &args![key],
            |r| r.text("value"),
        )
        .await
    }

    /// Stores `value` under `key` unless a value exists; returns the stored value (so two
    /// processes starting at once agree).
    pub async fn setting_or_insert(&self, key: &str, value: &str) -> Result<String, StoreError> {
        self.write(&[(
            "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
            params![key, value],
        )])
        .await?;
        Ok(self.setting(key).await?.unwrap_or_else(|| value.to_owned()))
    }

    /// A client by id.
    pub async fn client(&self, id: &str) -> Result<Option<ClientRow>, StoreError> {
        self.fetch_optional(
            "SELECT * FROM clients WHERE id = $1",
            &args![id],
            rows::client,
        )
        .await
    }

    /// A sign-up by id.
    pub async fn sign_up(&self, id: &str) -> Result<Option<SignUpRow>, StoreError> {
        self.fetch_optional(
            "SELECT * FROM sign_ups WHERE id = $1",
            &args![id],
            rows::sign_up,
        )
        .await
    }

    /// A sign-in by id.
    pub async fn sign_in(&self, id: &str) -> Result<Option<SignInRow>, StoreError> {
        self.fetch_optional(
            "SELECT * FROM sign_ins WHERE id = $1",
            &args![id],
            rows::sign_in,
        )
        .await
    }

    /// A session by id.
    pub async fn session(&self, id: &str) -> Result<Option<SessionRow>, StoreError> {
        self.fetch_optional(
            "SELECT * FROM sessions WHERE id = $1",
            &args![id],
            rows::session,
        )
        .await
    }

    /// Sessions of a client with the given status, oldest first.
    pub async fn client_sessions(
        &self,
        client_id: &str,
        status: SessionStatus,
    ) -> Result<Vec<SessionRow>, StoreError> {
        self.fetch(
            "SELECT * FROM sessions WHERE client_id = $1 AND status = $2 ORDER BY created_at, id",
            &args![client_id, status.as_str()],
            rows::session,
        )
        .await
    }

    /// The identifiers a user is adding, oldest first.
    pub async fn pending_idents(&self, user_id: &str) -> Result<Vec<PendingIdentRow>, StoreError> {
        self.fetch(
            "SELECT * FROM pending_identifications WHERE user_id = $1 ORDER BY created_at, id",
            &args![user_id],
            rows::pending_ident,
        )
        .await
    }

    /// A user's sessions with the given status, newest first.
    pub async fn user_sessions(
        &self,
        user_id: &str,
        status: SessionStatus,
    ) -> Result<Vec<SessionRow>, StoreError> {
        self.fetch(
            "SELECT * FROM sessions WHERE user_id = $1 AND status = $2 \
             ORDER BY last_active_at DESC, id",
            &args![user_id, status.as_str()],
            rows::session,
        )
        .await
    }

    /// A user and its identifications (oldest first) in one query.
    pub async fn user_with_idents(
        &self,
        id: &str,
    ) -> Result<Option<(UserRow, Vec<IdentRow>)>, StoreError> {
        let rows = self
            .fetch(
                "SELECT u.id AS u_id, u.username, u.first_name, u.last_name, u.last_sign_in_at, \
                 u.primary_email_address_id, u.primary_phone_number_id, \
                 u.created_at AS u_created_at, u.updated_at AS u_updated_at, \
                 i.id AS i_id, i.kind, i.value, i.strategy, i.created_at AS i_created_at \
                 FROM users u LEFT JOIN identifications i ON i.user_id = u.id \
                 WHERE u.id = $1 ORDER BY i.created_at, i.id",
                &args![id],
                rows::user_and_ident,
            )
            .await?;
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
        self.fetch_optional(
            "SELECT * FROM users WHERE username = $1",
            &args![username],
            rows::user,
        )
        .await
    }

    /// The identification with this kind and value.
    pub async fn ident_by_value(
        &self,
        kind: &str,
        value: &str,
    ) -> Result<Option<IdentRow>, StoreError> {
        self.fetch_optional(
            "SELECT * FROM identifications WHERE kind = $1 AND value = $2",
            &args![kind, value],
            rows::ident,
        )
        .await
    }

    /// Adds a token signing key (a second instance adding the same one is a no-op).
    pub async fn add_signing_key(
        &self,
        kid: &str,
        pem: &str,
        jwk: &str,
        at: i64,
    ) -> Result<(), StoreError> {
        self.write(&[(
            "INSERT INTO signing_keys (kid, pem, jwk, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (kid) DO NOTHING",
            params![kid, pem, jwk, at],
        )])
        .await?;
        Ok(())
    }

    /// The newest `limit` signing keys as (kid, PEM, JWK JSON), newest first.
    pub async fn signing_keys(
        &self,
        limit: i64,
    ) -> Result<Vec<(String, String, String)>, StoreError> {
        self.fetch(
            "SELECT kid, pem, jwk FROM signing_keys ORDER BY created_at DESC, kid LIMIT $1",
            &args![limit],
            |r| Ok((r.text("kid")?, r.text("pem")?, r.text("jwk")?)),
        )
        .await
    }

    /// Until when (ms) `identifier` is locked after too many wrong codes, if it ever was.
    pub async fn locked_until(&self, identifier: &str) -> Result<Option<i64>, StoreError> {
        Ok(self
            .fetch_optional(
                "SELECT locked_until FROM lockouts WHERE identifier = $1",
                &args![identifier],
                |r| r.opt_int("locked_until"),
            )
            .await?
            .flatten())
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
        let deleted = self
            .write(&[
                (
                    "DELETE FROM sign_ins WHERE abandon_at < $1",
                    params![abandoned_before],
                ),
                (
                    "DELETE FROM sign_ups WHERE abandon_at < $1",
                    params![abandoned_before],
                ),
                (
                    "DELETE FROM code_sends WHERE sent_at < $1",
                    params![sends_before],
                ),
                (
                    "DELETE FROM clients WHERE updated_at < $1 AND NOT EXISTS \
                     (SELECT 1 FROM sessions s WHERE s.client_id = clients.id \
                     AND s.status = 'active')",
                    params![idle_before],
                ),
            ])
            .await?;
        let [sign_ins, sign_ups, sends, clients] = deleted[..] else {
            unreachable!("four statements, four counts");
        };
        Ok(Housekept {
            sign_ins,
            sign_ups,
            sends,
            clients,
        })
    }

    /// Rows in `table` (tests check what housekeeping left).
    pub async fn count_rows(&self, table: &str) -> Result<i64, StoreError> {
        let sql = match table {
            "clients" => "SELECT COUNT(*) AS n FROM clients",
            "sign_ins" => "SELECT COUNT(*) AS n FROM sign_ins",
            "sign_ups" => "SELECT COUNT(*) AS n FROM sign_ups",
            "code_sends" => "SELECT COUNT(*) AS n FROM code_sends",
            _ => "SELECT COUNT(*) AS n FROM sessions",
        };
        self.count(sql, &[]).await
    }

    /// Number of users (tests and benchmarks count them).
    pub async fn count_users(&self) -> Result<i64, StoreError> {
        self.count("SELECT COUNT(*) AS n FROM users", &[]).await
    }

    /// Number of send records for `identifier` (tests check reservations).
    pub async fn count_sends(&self, identifier: &str) -> Result<i64, StoreError> {
        self.count(
            "SELECT COUNT(*) AS n FROM code_sends WHERE identifier = $1",
            &args![identifier],
        )
        .await
    }

    async fn count(&self, sql: &'static str, params: &[Param<'_>]) -> Result<i64, StoreError> {
        Ok(self
            .fetch_optional(sql, params, |r| r.int("n"))
            .await?
            .unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::KeyedLocks;

    #[tokio::test]
    async fn a_client_lock_is_forgotten_when_the_last_holder_lets_go() {
        let locks = KeyedLocks::default();
        let first = locks.lock("client_1").await;
        let other = locks.lock("client_2").await;
        let waiting = tokio::spawn({
            let locks = locks.clone();
            async move { drop(locks.lock("client_1").await) }
        });
        tokio::task::yield_now().await;
        drop(first); // the waiter still needs the entry
        waiting.await.unwrap();
        assert_eq!(locks.len(), 1);
        drop(other);
        assert_eq!(locks.len(), 0);
    }
}
