//! Storage: the only module that speaks SQL.
//!
//! Handlers load rows with the getters and persist a whole request's effect with one
//! [`Store::apply`] call, which runs in a single transaction and commits before the handler
//! answers. A PostgreSQL backend would re-implement this module (same row types and `Change`s)
//! without touching the handlers.

use serde::{Deserialize, Serialize};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row as _, SqlitePool};
use std::str::FromStr as _;
use std::time::Duration;

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint was violated (e.g. an identifier taken by a racing sign-up).
    #[error("unique constraint violated: {0}")]
    Conflict(String),
    /// Anything else.
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

impl StoreError {
    fn from_sqlx(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e
            && db.is_unique_violation()
        {
            return Self::Conflict(db.message().to_owned());
        }
        Self::Db(e)
    }
}

/// `clients` row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClientRow {
    /// `client_…`.
    pub id: String,
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
    /// `unverified`, `verified`, `failed` or `expired`.
    pub status: String,
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
    /// `missing_requirements` / `complete` / `abandoned`.
    pub status: String,
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
}

/// `sign_ins` row.
#[derive(Debug, Clone)]
pub struct SignInRow {
    /// `sia_…`.
    pub id: String,
    /// Owning client.
    pub client_id: String,
    /// `needs_first_factor` / `complete` / `abandoned`.
    pub status: String,
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
    /// `active`, `ended`, `removed`, ...
    pub status: String,
    /// ms.
    pub expire_at: i64,
    /// ms.
    pub last_active_at: i64,
    /// ms.
    pub created_at: i64,
    /// ms.
    pub updated_at: i64,
}

/// One write, applied inside [`Store::apply`]'s transaction.
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)] // short-lived, a handful per request
pub enum Change {
    /// Insert or update a client.
    Client(ClientRow),
    /// Delete a client.
    DeleteClient(String),
    /// Insert or update a sign-up.
    SignUp(SignUpRow),
    /// Insert or update a sign-in.
    SignIn(SignInRow),
    /// Insert or update a session.
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
    /// Record a code send to an identifier.
    CodeSent {
        /// Phone or email.
        identifier: String,
        /// ms.
        at: i64,
    },
}

/// The database.
#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
    locks: KeyedLocks,
}

/// Held for the whole read-modify-write of a mutating request.
pub type WriteGuard = tokio::sync::OwnedMutexGuard<()>;

/// In-process mutexes by key (client id, recipient). Entries are dropped once unused.
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

fn sign_up_from_row(r: &sqlx::sqlite::SqliteRow) -> Result<SignUpRow, sqlx::Error> {
    let verifs: String = r.try_get("verifications")?;
    Ok(SignUpRow {
        id: r.try_get("id")?,
        client_id: r.try_get("client_id")?,
        status: r.try_get("status")?,
        phone_number: r.try_get("phone_number")?,
        email_address: r.try_get("email_address")?,
        username: r.try_get("username")?,
        first_name: r.try_get("first_name")?,
        last_name: r.try_get("last_name")?,
        locale: r.try_get("locale")?,
        verifications: serde_json::from_str(&verifs)
            .map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
        created_user_id: r.try_get("created_user_id")?,
        created_session_id: r.try_get("created_session_id")?,
        abandon_at: r.try_get("abandon_at")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

fn sign_in_from_row(r: &sqlx::sqlite::SqliteRow) -> Result<SignInRow, sqlx::Error> {
    let ff: Option<String> = r.try_get("first_factor")?;
    Ok(SignInRow {
        id: r.try_get("id")?,
        client_id: r.try_get("client_id")?,
        status: r.try_get("status")?,
        identifier: r.try_get("identifier")?,
        user_id: r.try_get("user_id")?,
        locale: r.try_get("locale")?,
        first_factor: ff
            .map(|s| serde_json::from_str(&s))
            .transpose()
            .map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
        created_session_id: r.try_get("created_session_id")?,
        abandon_at: r.try_get("abandon_at")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

fn to_json<T: Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Db(sqlx::Error::Encode(Box::new(e))))
}

impl Store {
    /// Opens (creating the file and its directory if needed) and migrates the database.
    /// SQLite runs in WAL mode with `synchronous=FULL`, so a committed response survives a kill.
    pub async fn connect(database_url: &str) -> anyhow::Result<Self> {
        if let Some(path) = database_url
            .strip_prefix("sqlite://")
            .or_else(|| database_url.strip_prefix("sqlite:"))
        {
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
        } else {
            anyhow::bail!("unsupported database URL {database_url:?} (expected sqlite://PATH)");
        }
        let opts = SqliteConnectOptions::from_str(database_url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(opts)
            .await
            .map_err(|e| anyhow::anyhow!("cannot open database {database_url}: {e}"))?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        Ok(Self {
            pool,
            locks: KeyedLocks::default(),
        })
    }

    /// Serialises the mutating requests of one client (`key` = client id; `None` for a request
    /// without a client, which cannot conflict with anything). Held across read-modify-write, so
    /// attempt counters, cooldowns and the client row cannot be raced; requests of other clients
    /// run in parallel (cross-client conflicts are settled by unique constraints).
    pub async fn lock_client(&self, client_id: Option<&str>) -> WriteGuard {
        match client_id {
            Some(id) => self.locks.lock(&format!("client:{id}")).await,
            None => self.locks.lock(&crate::crypto::new_id("anon")).await,
        }
    }

    /// Serialises the send-budget check, the send and its record for one recipient.
    pub async fn lock_recipient(&self, recipient: &str) -> WriteGuard {
        self.locks.lock(&format!("recipient:{recipient}")).await
    }

    /// Applies all changes in one transaction (committed before returning).
    pub async fn apply(&self, changes: Vec<Change>) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        for ch in changes {
            let q = match &ch {
                Change::Client(c) => sqlx::query(
                    "INSERT INTO clients (id, sign_in_id, sign_up_id, last_active_session_id, \
                     last_authentication_strategy, created_at, updated_at) VALUES (?,?,?,?,?,?,?) \
                     ON CONFLICT(id) DO UPDATE SET sign_in_id=excluded.sign_in_id, \
                     sign_up_id=excluded.sign_up_id, last_active_session_id=excluded.last_active_session_id, \
                     last_authentication_strategy=excluded.last_authentication_strategy, \
                     updated_at=excluded.updated_at",
                )
                .bind(&c.id)
                .bind(&c.sign_in_id)
                .bind(&c.sign_up_id)
                .bind(&c.last_active_session_id)
                .bind(&c.last_authentication_strategy)
                .bind(c.created_at)
                .bind(c.updated_at),
                Change::DeleteClient(id) => sqlx::query("DELETE FROM clients WHERE id = ?").bind(id),
                Change::SignUp(s) => sqlx::query(
                    "INSERT INTO sign_ups (id, client_id, status, phone_number, email_address, username, \
                     first_name, last_name, locale, verifications, created_user_id, created_session_id, \
                     abandon_at, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) \
                     ON CONFLICT(id) DO UPDATE SET status=excluded.status, phone_number=excluded.phone_number, \
                     email_address=excluded.email_address, username=excluded.username, \
                     first_name=excluded.first_name, last_name=excluded.last_name, locale=excluded.locale, \
                     verifications=excluded.verifications, created_user_id=excluded.created_user_id, \
                     created_session_id=excluded.created_session_id, abandon_at=excluded.abandon_at, \
                     updated_at=excluded.updated_at",
                )
                .bind(&s.id)
                .bind(&s.client_id)
                .bind(&s.status)
                .bind(&s.phone_number)
                .bind(&s.email_address)
                .bind(&s.username)
                .bind(&s.first_name)
                .bind(&s.last_name)
                .bind(&s.locale)
                .bind(to_json(&s.verifications)?)
                .bind(&s.created_user_id)
                .bind(&s.created_session_id)
                .bind(s.abandon_at)
                .bind(s.created_at)
                .bind(s.updated_at),
                Change::SignIn(s) => sqlx::query(
                    "INSERT INTO sign_ins (id, client_id, status, identifier, user_id, locale, first_factor, \
                     created_session_id, abandon_at, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?) \
                     ON CONFLICT(id) DO UPDATE SET status=excluded.status, identifier=excluded.identifier, \
                     user_id=excluded.user_id, first_factor=excluded.first_factor, \
                     created_session_id=excluded.created_session_id, abandon_at=excluded.abandon_at, \
                     updated_at=excluded.updated_at",
                )
                .bind(&s.id)
                .bind(&s.client_id)
                .bind(&s.status)
                .bind(&s.identifier)
                .bind(&s.user_id)
                .bind(&s.locale)
                .bind(s.first_factor.as_ref().map(to_json).transpose()?)
                .bind(&s.created_session_id)
                .bind(s.abandon_at)
                .bind(s.created_at)
                .bind(s.updated_at),
                Change::Session(s) => sqlx::query(
                    "INSERT INTO sessions (id, client_id, user_id, status, expire_at, last_active_at, \
                     created_at, updated_at) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET \
                     status=excluded.status, expire_at=excluded.expire_at, \
                     last_active_at=excluded.last_active_at, updated_at=excluded.updated_at",
                )
                .bind(&s.id)
                .bind(&s.client_id)
                .bind(&s.user_id)
                .bind(&s.status)
                .bind(s.expire_at)
                .bind(s.last_active_at)
                .bind(s.created_at)
                .bind(s.updated_at),
                Change::NewUser(u) => sqlx::query(
                    "INSERT INTO users (id, username, first_name, last_name, last_sign_in_at, created_at, \
                     updated_at) VALUES (?,?,?,?,?,?,?)",
                )
                .bind(&u.id)
                .bind(&u.username)
                .bind(&u.first_name)
                .bind(&u.last_name)
                .bind(u.last_sign_in_at)
                .bind(u.created_at)
                .bind(u.updated_at),
                Change::NewIdent(i) => sqlx::query(
                    "INSERT INTO identifications (id, user_id, kind, value, strategy, created_at) \
                     VALUES (?,?,?,?,?,?)",
                )
                .bind(&i.id)
                .bind(&i.user_id)
                .bind(&i.kind)
                .bind(&i.value)
                .bind(&i.strategy)
                .bind(i.created_at),
                Change::UserSignedIn { user_id, at } => {
                    sqlx::query("UPDATE users SET last_sign_in_at = ?, updated_at = ? WHERE id = ?")
                        .bind(at)
                        .bind(at)
                        .bind(user_id)
                }
                Change::CodeSent { identifier, at } => {
                    sqlx::query("INSERT INTO code_sends (identifier, sent_at) VALUES (?, ?)")
                        .bind(identifier)
                        .bind(at)
                }
            };
            q.execute(&mut *tx).await.map_err(StoreError::from_sqlx)?;
        }
        tx.commit().await.map_err(StoreError::from_sqlx)?;
        Ok(())
    }

    /// A value from the `settings` table.
    pub async fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT value FROM settings WHERE key = ?")
                .bind(key)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Stores `value` under `key` unless a value exists; returns the stored value (so two
    /// processes starting at once agree).
    pub async fn setting_or_insert(&self, key: &str, value: &str) -> Result<String, StoreError> {
        sqlx::query("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO NOTHING")
            .bind(key)
            .bind(value)
            .execute(&self.pool)
            .await?;
        Ok(self.setting(key).await?.unwrap_or_else(|| value.to_owned()))
    }

    /// A client by id.
    pub async fn client(&self, id: &str) -> Result<Option<ClientRow>, StoreError> {
        Ok(sqlx::query_as("SELECT * FROM clients WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// A sign-up by id.
    pub async fn sign_up(&self, id: &str) -> Result<Option<SignUpRow>, StoreError> {
        let row = sqlx::query("SELECT * FROM sign_ups WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(sign_up_from_row).transpose()?)
    }

    /// A sign-in by id.
    pub async fn sign_in(&self, id: &str) -> Result<Option<SignInRow>, StoreError> {
        let row = sqlx::query("SELECT * FROM sign_ins WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(sign_in_from_row).transpose()?)
    }

    /// A session by id.
    pub async fn session(&self, id: &str) -> Result<Option<SessionRow>, StoreError> {
        Ok(sqlx::query_as("SELECT * FROM sessions WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Sessions of a client with the given status, oldest first.
    pub async fn client_sessions(
        &self,
        client_id: &str,
        status: &str,
    ) -> Result<Vec<SessionRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT * FROM sessions WHERE client_id = ? AND status = ? ORDER BY created_at, id",
        )
        .bind(client_id)
        .bind(status)
        .fetch_all(&self.pool)
        .await?)
    }

    /// A user by id.
    pub async fn user(&self, id: &str) -> Result<Option<UserRow>, StoreError> {
        Ok(sqlx::query_as("SELECT * FROM users WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// A user by (lower-cased) username.
    pub async fn user_by_username(&self, username: &str) -> Result<Option<UserRow>, StoreError> {
        Ok(sqlx::query_as("SELECT * FROM users WHERE username = ?")
            .bind(username)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Identifications of a user, oldest first.
    pub async fn user_idents(&self, user_id: &str) -> Result<Vec<IdentRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT * FROM identifications WHERE user_id = ? ORDER BY created_at, id",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The identification with this kind and value.
    pub async fn ident_by_value(
        &self,
        kind: &str,
        value: &str,
    ) -> Result<Option<IdentRow>, StoreError> {
        Ok(
            sqlx::query_as("SELECT * FROM identifications WHERE kind = ? AND value = ?")
                .bind(kind)
                .bind(value)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Number of sends to `identifier` since `since` (ms), and the oldest of them.
    pub async fn sends_since(
        &self,
        identifier: &str,
        since: i64,
    ) -> Result<(i64, Option<i64>), StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n, MIN(sent_at) AS oldest FROM code_sends \
             WHERE identifier = ? AND sent_at > ?",
        )
        .bind(identifier)
        .bind(since)
        .fetch_one(&self.pool)
        .await?;
        Ok((row.try_get("n")?, row.try_get("oldest")?))
    }

    /// Deletes send records older than `before` (ms).
    pub async fn prune_sends(&self, before: i64) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM code_sends WHERE sent_at <= ?")
            .bind(before)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
