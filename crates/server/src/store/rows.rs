//! Reading result rows: one decoder per row type, over whichever driver's row.

use super::{
    ClientRow, IdentRow, PendingIdentRow, SessionRow, SignInRow, SignUpRow, StoreError, UserRow,
    sqlite::error as sqlite_error,
};

/// A result row's columns by name: what the decoders need from either driver.
pub(crate) trait Columns {
    /// A nullable TEXT column.
    fn opt_text(&self, name: &str) -> Result<Option<String>, StoreError>;
    /// A nullable INTEGER column.
    fn opt_int(&self, name: &str) -> Result<Option<i64>, StoreError>;

    /// A NOT NULL TEXT column.
    fn text(&self, name: &str) -> Result<String, StoreError> {
        self.opt_text(name)?.ok_or_else(|| null(name))
    }
    /// A NOT NULL INTEGER column.
    fn int(&self, name: &str) -> Result<i64, StoreError> {
        self.opt_int(name)?.ok_or_else(|| null(name))
    }
}

fn null(name: &str) -> StoreError {
    StoreError::Corrupt(format!("column {name} is NULL"))
}

impl Columns for rusqlite::Row<'_> {
    fn opt_text(&self, name: &str) -> Result<Option<String>, StoreError> {
        self.get(name).map_err(sqlite_error)
    }
    fn opt_int(&self, name: &str) -> Result<Option<i64>, StoreError> {
        self.get(name).map_err(sqlite_error)
    }
}

impl Columns for sqlx::postgres::PgRow {
    fn opt_text(&self, name: &str) -> Result<Option<String>, StoreError> {
        sqlx::Row::try_get(self, name).map_err(StoreError::Db)
    }
    fn opt_int(&self, name: &str) -> Result<Option<i64>, StoreError> {
        sqlx::Row::try_get(self, name).map_err(StoreError::Db)
    }
}

/// A JSON column's value.
fn json<T: serde::de::DeserializeOwned>(name: &str, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("column {name}: {e}")))
}

pub(super) fn pending_ident(r: &dyn Columns) -> Result<PendingIdentRow, StoreError> {
    Ok(PendingIdentRow {
        id: r.text("id")?,
        user_id: r.text("user_id")?,
        kind: r.text("kind")?,
        value: r.text("value")?,
        verification: match r.opt_text("verification")? {
            Some(text) => Some(json("verification", &text)?),
            None => None,
        },
        created_at: r.int("created_at")?,
        updated_at: r.int("updated_at")?,
        version: r.int("version")?,
    })
}

pub(super) fn client(r: &dyn Columns) -> Result<ClientRow, StoreError> {
    Ok(ClientRow {
        id: r.text("id")?,
        token: r.text("token")?,
        sign_in_id: r.opt_text("sign_in_id")?,
        sign_up_id: r.opt_text("sign_up_id")?,
        last_active_session_id: r.opt_text("last_active_session_id")?,
        last_authentication_strategy: r.opt_text("last_authentication_strategy")?,
        created_at: r.int("created_at")?,
        updated_at: r.int("updated_at")?,
        version: r.int("version")?,
    })
}

pub(super) fn user(r: &dyn Columns) -> Result<UserRow, StoreError> {
    Ok(UserRow {
        id: r.text("id")?,
        username: r.opt_text("username")?,
        first_name: r.opt_text("first_name")?,
        last_name: r.opt_text("last_name")?,
        primary_email_address_id: r.opt_text("primary_email_address_id")?,
        primary_phone_number_id: r.opt_text("primary_phone_number_id")?,
        last_sign_in_at: r.opt_int("last_sign_in_at")?,
        created_at: r.int("created_at")?,
        updated_at: r.int("updated_at")?,
    })
}

pub(super) fn ident(r: &dyn Columns) -> Result<IdentRow, StoreError> {
    Ok(IdentRow {
        id: r.text("id")?,
        user_id: r.text("user_id")?,
        kind: r.text("kind")?,
        value: r.text("value")?,
        strategy: r.text("strategy")?,
        created_at: r.int("created_at")?,
    })
}

pub(super) fn session(r: &dyn Columns) -> Result<SessionRow, StoreError> {
    Ok(SessionRow {
        id: r.text("id")?,
        client_id: r.text("client_id")?,
        user_id: r.text("user_id")?,
        status: r.text("status")?.into(),
        expire_at: r.int("expire_at")?,
        last_active_at: r.int("last_active_at")?,
        user_agent: r.opt_text("user_agent")?,
        ip_address: r.opt_text("ip_address")?,
        created_at: r.int("created_at")?,
        updated_at: r.int("updated_at")?,
        version: r.int("version")?,
    })
}

pub(super) fn sign_up(r: &dyn Columns) -> Result<SignUpRow, StoreError> {
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
        verifications: json("verifications", &r.text("verifications")?)?,
        created_user_id: r.opt_text("created_user_id")?,
        created_session_id: r.opt_text("created_session_id")?,
        abandon_at: r.int("abandon_at")?,
        created_at: r.int("created_at")?,
        updated_at: r.int("updated_at")?,
        version: r.int("version")?,
    })
}

pub(super) fn sign_in(r: &dyn Columns) -> Result<SignInRow, StoreError> {
    Ok(SignInRow {
        id: r.text("id")?,
        client_id: r.text("client_id")?,
        status: r.text("status")?.into(),
        identifier: r.opt_text("identifier")?,
        user_id: r.opt_text("user_id")?,
        locale: r.opt_text("locale")?,
        first_factor: r
            .opt_text("first_factor")?
            .map(|s| json("first_factor", &s))
            .transpose()?,
        created_session_id: r.opt_text("created_session_id")?,
        abandon_at: r.int("abandon_at")?,
        created_at: r.int("created_at")?,
        updated_at: r.int("updated_at")?,
        version: r.int("version")?,
    })
}

/// A row of the users-LEFT-JOIN-identifications query.
pub(super) fn user_and_ident(r: &dyn Columns) -> Result<(UserRow, Option<IdentRow>), StoreError> {
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
        primary_email_address_id: r.opt_text("primary_email_address_id")?,
        primary_phone_number_id: r.opt_text("primary_phone_number_id")?,
        last_sign_in_at: r.opt_int("last_sign_in_at")?,
        created_at: r.int("u_created_at")?,
        updated_at: r.int("u_updated_at")?,
    };
    Ok((user, ident))
}
