//! What each [`Change`] writes: the statements, in order, and what it means when one of them
//! changes no row. Both drivers execute these lists, so the SQL exists once.

use super::{Change, Param, SendBucket, StoreError, params};
use serde::Serialize;

/// One statement of [`super::Store::apply`]'s transaction.
pub(super) struct Step<'a> {
    pub sql: &'static str,
    pub params: Vec<Param<'a>>,
    /// What a statement that changed no row means.
    pub if_no_row: IfNoRow<'a>,
    /// Only PostgreSQL runs it (SQLite's `BEGIN IMMEDIATE` already serialises writers).
    pub postgres_only: bool,
}

/// The meaning of a statement that changed no row.
pub(super) enum IfNoRow<'a> {
    /// Nothing (a delete of nothing, an upsert's no-op).
    Fine,
    /// A versioned update found another version: another request won.
    Stale,
    /// A send reservation found the bucket full: answer with [`budget_spent`].
    BudgetSpent { bucket: &'a SendBucket, at: i64 },
}

impl<'a> Step<'a> {
    fn new(sql: &'static str, params: Vec<Param<'a>>) -> Self {
        Self {
            sql,
            params,
            if_no_row: IfNoRow::Fine,
            postgres_only: false,
        }
    }

    fn or(mut self, if_no_row: IfNoRow<'a>) -> Self {
        self.if_no_row = if_no_row;
        self
    }
}

/// The oldest send left in a bucket (after a refused reservation).
pub(super) const OLDEST_SEND: &str =
    "SELECT MIN(sent_at) AS oldest FROM code_sends WHERE identifier = $1";

/// PostgreSQL: a transaction-scoped advisory lock keyed by the recipient, which serialises the
/// count and the insert of [`Change::ReserveSend`] per bucket until commit.
const PG_LOCK_RECIPIENT: &str = "SELECT pg_advisory_xact_lock(hashtextextended($1, 7))";

/// The refusal of a full bucket whose oldest send is `oldest`.
pub(super) fn budget_spent(bucket: &SendBucket, at: i64, oldest: Option<i64>) -> StoreError {
    let wait_ms = oldest.unwrap_or(at) + bucket.window_ms - at;
    StoreError::SendBudgetSpent {
        retry_after_secs: u64::try_from((wait_ms + 999) / 1000).unwrap_or(1).max(1),
    }
}

fn to_json<T: Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// A versioned write: an insert for a row not stored yet (`version == 0`), else an update
/// guarded by the version read (its last parameter), which is stale when no row matches.
fn versioned<'a>(
    version: i64,
    insert: (&'static str, Vec<Param<'a>>),
    update: (&'static str, Vec<Param<'a>>),
) -> Step<'a> {
    if version == 0 {
        Step::new(insert.0, insert.1)
    } else {
        let (sql, mut params) = update;
        params.push(Param::from(version));
        Step::new(sql, params).or(IfNoRow::Stale)
    }
}

/// The statements that apply `change`.
pub(super) fn steps(change: &Change) -> Result<Vec<Step<'_>>, StoreError> {
    Ok(match change {
        Change::Client(c) => vec![versioned(
            c.version,
            (
                "INSERT INTO clients (id, sign_in_id, sign_up_id, last_active_session_id, \
                 last_authentication_strategy, created_at, updated_at, token, version) \
                 VALUES ($1,$2,$3,$4,$5,$6,$7,$8,1)",
                params![
                    &c.id,
                    &c.sign_in_id,
                    &c.sign_up_id,
                    &c.last_active_session_id,
                    &c.last_authentication_strategy,
                    c.created_at,
                    c.updated_at,
                    &c.token,
                ],
            ),
            (
                "UPDATE clients SET sign_in_id = $2, sign_up_id = $3, last_active_session_id = $4, \
                 last_authentication_strategy = $5, updated_at = $6, token = $7, \
                 version = version + 1 WHERE id = $1 AND version = $8",
                params![
                    &c.id,
                    &c.sign_in_id,
                    &c.sign_up_id,
                    &c.last_active_session_id,
                    &c.last_authentication_strategy,
                    c.updated_at,
                    &c.token,
                ],
            ),
        )],
        Change::DeleteClient(id) => {
            vec![Step::new("DELETE FROM clients WHERE id = $1", params![id])]
        }
        Change::UpdateUser(u) => vec![Step {
            if_no_row: IfNoRow::Stale,
            ..Step::new(
                "UPDATE users SET username = $2, first_name = $3, last_name = $4, \
                 primary_email_address_id = $5, primary_phone_number_id = $6, updated_at = $7 \
                 WHERE id = $1",
                params![
                    &u.id,
                    &u.username,
                    &u.first_name,
                    &u.last_name,
                    &u.primary_email_address_id,
                    &u.primary_phone_number_id,
                    u.updated_at,
                ],
            )
        }],
        Change::PendingIdent(i) => {
            let verification = match &i.verification {
                Some(v) => Some(to_json(v)?),
                None => None,
            };
            vec![versioned(
                i.version,
                (
                    "INSERT INTO pending_identifications (id, user_id, kind, value, verification, \
                     created_at, updated_at, version) VALUES ($1,$2,$3,$4,$5,$6,$7,1)",
                    params![
                        &i.id,
                        &i.user_id,
                        &i.kind,
                        &i.value,
                        verification.clone(),
                        i.created_at,
                        i.updated_at,
                    ],
                ),
                (
                    "UPDATE pending_identifications SET verification = $2, updated_at = $3, \
                     version = version + 1 WHERE id = $1 AND version = $4",
                    params![&i.id, verification, i.updated_at],
                ),
            )]
        }
        Change::DeletePendingIdent(id) => vec![
            Step::new(
                "DELETE FROM pending_identifications WHERE id = $1",
                params![id],
            )
            .or(IfNoRow::Stale),
        ],
        Change::DeleteIdent { id, user_id } => vec![
            Step::new(
                "DELETE FROM identifications WHERE id = $1 AND user_id = $2",
                params![id, user_id],
            )
            .or(IfNoRow::Stale),
        ],
        Change::DeleteUser(id) => vec![
            Step::new(
                "DELETE FROM pending_identifications WHERE user_id = $1",
                params![id],
            ),
            Step::new("DELETE FROM sign_ins WHERE user_id = $1", params![id]),
            Step::new("DELETE FROM sessions WHERE user_id = $1", params![id]),
            Step::new(
                "DELETE FROM identifications WHERE user_id = $1",
                params![id],
            ),
            Step {
                if_no_row: IfNoRow::Stale,
                ..Step::new("DELETE FROM users WHERE id = $1", params![id])
            },
        ],
        Change::SignUp(s) => {
            let verifications = to_json(&s.verifications)?;
            vec![versioned(
                s.version,
                (
                    "INSERT INTO sign_ups (id, client_id, status, phone_number, email_address, \
                     username, first_name, last_name, locale, verifications, created_user_id, \
                     created_session_id, abandon_at, created_at, updated_at, version) \
                     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,1)",
                    params![
                        &s.id,
                        &s.client_id,
                        s.status.as_str(),
                        &s.phone_number,
                        &s.email_address,
                        &s.username,
                        &s.first_name,
                        &s.last_name,
                        &s.locale,
                        verifications.clone(),
                        &s.created_user_id,
                        &s.created_session_id,
                        s.abandon_at,
                        s.created_at,
                        s.updated_at,
                    ],
                ),
                (
                    "UPDATE sign_ups SET status = $2, phone_number = $3, email_address = $4, \
                     username = $5, first_name = $6, last_name = $7, locale = $8, \
                     verifications = $9, created_user_id = $10, created_session_id = $11, \
                     abandon_at = $12, updated_at = $13, version = version + 1 \
                     WHERE id = $1 AND version = $14",
                    params![
                        &s.id,
                        s.status.as_str(),
                        &s.phone_number,
                        &s.email_address,
                        &s.username,
                        &s.first_name,
                        &s.last_name,
                        &s.locale,
                        verifications,
                        &s.created_user_id,
                        &s.created_session_id,
                        s.abandon_at,
                        s.updated_at,
                    ],
                ),
            )]
        }
        Change::SignIn(s) => {
            let first_factor = s.first_factor.as_ref().map(to_json).transpose()?;
            vec![versioned(
                s.version,
                (
                    "INSERT INTO sign_ins (id, client_id, status, identifier, user_id, locale, \
                     first_factor, created_session_id, abandon_at, created_at, updated_at, \
                     version) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,1)",
                    params![
                        &s.id,
                        &s.client_id,
                        s.status.as_str(),
                        &s.identifier,
                        &s.user_id,
                        &s.locale,
                        first_factor.clone(),
                        &s.created_session_id,
                        s.abandon_at,
                        s.created_at,
                        s.updated_at,
                    ],
                ),
                (
                    "UPDATE sign_ins SET status = $2, identifier = $3, user_id = $4, \
                     first_factor = $5, created_session_id = $6, abandon_at = $7, \
                     updated_at = $8, version = version + 1 WHERE id = $1 AND version = $9",
                    params![
                        &s.id,
                        s.status.as_str(),
                        &s.identifier,
                        &s.user_id,
                        first_factor,
                        &s.created_session_id,
                        s.abandon_at,
                        s.updated_at,
                    ],
                ),
            )]
        }
        Change::Session(s) => vec![versioned(
            s.version,
            (
                "INSERT INTO sessions (id, client_id, user_id, status, expire_at, \
                 last_active_at, created_at, updated_at, version, user_agent, ip_address) \
                 VALUES ($1,$2,$3,$4,$5,$6,$7,$8,1,$9,$10)",
                params![
                    &s.id,
                    &s.client_id,
                    &s.user_id,
                    s.status.as_str(),
                    s.expire_at,
                    s.last_active_at,
                    s.created_at,
                    s.updated_at,
                    &s.user_agent,
                    &s.ip_address,
                ],
            ),
            (
                "UPDATE sessions SET status = $2, expire_at = $3, last_active_at = $4, \
                 updated_at = $5, version = version + 1 WHERE id = $1 AND version = $6",
                params![
                    &s.id,
                    s.status.as_str(),
                    s.expire_at,
                    s.last_active_at,
                    s.updated_at,
                ],
            ),
        )],
        Change::NewUser(u) => vec![Step::new(
            "INSERT INTO users (id, username, first_name, last_name, last_sign_in_at, \
             created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7)",
            params![
                &u.id,
                &u.username,
                &u.first_name,
                &u.last_name,
                u.last_sign_in_at,
                u.created_at,
                u.updated_at,
            ],
        )],
        Change::NewIdent(i) => vec![Step::new(
            "INSERT INTO identifications (id, user_id, kind, value, strategy, created_at) \
             VALUES ($1,$2,$3,$4,$5,$6)",
            params![
                &i.id,
                &i.user_id,
                &i.kind,
                &i.value,
                &i.strategy,
                i.created_at
            ],
        )],
        Change::UserSignedIn { user_id, at } => vec![Step::new(
            "UPDATE users SET last_sign_in_at = $1, updated_at = $1 WHERE id = $2",
            params![*at, user_id],
        )],
        Change::ReserveSend { buckets, at } => {
            let mut sorted: Vec<&SendBucket> = buckets.iter().collect();
            // A fixed order, so two transactions never wait for each other's locks in turn.
            sorted.sort_by(|x, y| x.key.cmp(&y.key));
            let mut steps = Vec::with_capacity(sorted.len() * 3);
            for bucket in sorted {
                steps.push(Step {
                    postgres_only: true,
                    ..Step::new(PG_LOCK_RECIPIENT, params![&bucket.key])
                });
                steps.push(Step::new(
                    "DELETE FROM code_sends WHERE identifier = $1 AND sent_at <= $2",
                    params![&bucket.key, *at - bucket.window_ms],
                ));
                steps.push(
                    Step::new(
                        "INSERT INTO code_sends (identifier, sent_at) SELECT $1, $2 \
                         WHERE (SELECT COUNT(*) FROM code_sends WHERE identifier = $1) < $3",
                        params![&bucket.key, *at, bucket.limit],
                    )
                    .or(IfNoRow::BudgetSpent { bucket, at: *at }),
                );
            }
            steps
        }
        Change::CancelSend { keys, at } => keys
            .iter()
            .map(|key| {
                Step::new(
                    "DELETE FROM code_sends WHERE id = (SELECT id FROM code_sends \
                     WHERE identifier = $1 AND sent_at = $2 LIMIT 1)",
                    params![key, *at],
                )
            })
            .collect(),
        Change::CodeFailed {
            identifier,
            at,
            max_failures,
            lockout_ms,
        } => vec![
            Step::new(
                "INSERT INTO lockouts (identifier, failures, locked_until) VALUES ($1, 1, NULL) \
                 ON CONFLICT (identifier) DO UPDATE SET failures = lockouts.failures + 1",
                params![identifier],
            ),
            Step::new(
                "UPDATE lockouts SET locked_until = $2, failures = 0 \
                 WHERE identifier = $1 AND failures >= $3",
                params![identifier, *at + *lockout_ms, *max_failures],
            ),
        ],
        Change::CodeSucceeded { identifier } => vec![Step::new(
            "DELETE FROM lockouts WHERE identifier = $1",
            params![identifier],
        )],
    })
}
