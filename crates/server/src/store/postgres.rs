//! The PostgreSQL driver: sqlx's pool (prepared statements cached per connection).

use super::changes::{self, IfNoRow, OLDEST_SEND};
use super::{Change, DatabaseOptions, Decode, Param, StoreError, redact};
use sqlx::postgres::{PgArguments, PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::query::Query;
use std::str::FromStr as _;
use std::time::Duration;

/// A sqlx failure as a [`StoreError`].
fn error(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &e {
        if db.is_unique_violation() {
            return StoreError::Conflict(db.message().to_owned());
        }
        // See `StoreError::Stale`: a row this change refers to was deleted meanwhile.
        if db.is_foreign_key_violation() {
            return StoreError::Stale;
        }
        // Serialization failure and deadlock: start over, like a stale row.
        if matches!(db.code().as_deref(), Some("40001" | "40P01")) {
            return StoreError::Stale;
        }
    }
    StoreError::Db(e)
}

/// Connects and migrates.
pub(super) async fn open(options: &DatabaseOptions) -> anyhow::Result<PgPool> {
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

fn bound<'q>(sql: &'q str, params: &'q [Param<'_>]) -> Query<'q, sqlx::Postgres, PgArguments> {
    params
        .iter()
        .fold(sqlx::query(sql), |query, param| match param {
            Param::Text(text) => query.bind(text.as_deref()),
            Param::Int(int) => query.bind(*int),
        })
}

/// The rows a query returns, decoded.
pub(super) async fn fetch<T>(
    pool: &PgPool,
    sql: &str,
    params: &[Param<'_>],
    decode: Decode<T>,
) -> Result<Vec<T>, StoreError> {
    let rows = bound(sql, params).fetch_all(pool).await.map_err(error)?;
    rows.iter().map(|row| decode(row)).collect()
}

/// Applies the changes in one transaction.
pub(super) async fn apply(pool: &PgPool, changes: &[Change]) -> Result<(), StoreError> {
    let mut tx = pool.begin().await.map_err(error)?;
    for change in changes {
        for step in changes::steps(change)? {
            let changed = bound(step.sql, &step.params)
                .execute(&mut *tx)
                .await
                .map_err(error)?
                .rows_affected();
            if changed > 0 {
                continue;
            }
            match step.if_no_row {
                IfNoRow::Fine => {}
                IfNoRow::Stale => return Err(StoreError::Stale),
                IfNoRow::BudgetSpent { bucket, at } => {
                    let oldest: Option<i64> = sqlx::query_scalar(OLDEST_SEND)
                        .bind(&bucket.key)
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(error)?;
                    return Err(changes::budget_spent(bucket, at, oldest));
                }
            }
        }
    }
    tx.commit().await.map_err(error)
}

/// Runs the statements in one transaction; the rows each changed.
pub(super) async fn write(
    pool: &PgPool,
    statements: &[(&'static str, Vec<Param<'_>>)],
) -> Result<Vec<u64>, StoreError> {
    let mut tx = pool.begin().await.map_err(error)?;
    let mut changed = Vec::with_capacity(statements.len());
    for (sql, params) in statements {
        changed.push(
            bound(sql, params)
                .execute(&mut *tx)
                .await
                .map_err(error)?
                .rows_affected(),
        );
    }
    tx.commit().await.map_err(error)?;
    Ok(changed)
}
