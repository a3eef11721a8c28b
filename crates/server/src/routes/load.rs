//! Loading what a wire shape embeds: the rows behind a client, session, sign-in or user, and the
//! tokens an active session carries. [`crate::render`] then maps them without touching the store.

use onetime_protocol::SessionStatus;

use crate::App;
use crate::error::Result;
use crate::render::{ClientView, SessionView, SignInView, UserView};
use crate::store::{ClientRow, SessionRow, SignInRow, SignUpRow};

/// A user and its identifications (`None` if the user is gone).
pub async fn user(app: &App, user_id: &str) -> Result<Option<UserView>> {
    let Some((user, idents)) = app.store.user_with_idents(user_id).await? else {
        return Ok(None);
    };
    let pending = app.store.pending_idents(user_id).await?;
    Ok(Some(UserView {
        user,
        idents,
        pending,
    }))
}

/// A session with its user, and a `last_active_token` (for the requesting `origin`) when it is
/// active.
pub async fn session(
    app: &App,
    session: SessionRow,
    origin: Option<&str>,
    known: Known<'_>,
) -> Result<SessionView> {
    let user = match known.user {
        Some(u) if u.user.id == session.user_id => Some(u.clone()),
        _ => user(app, &session.user_id).await?,
    };
    let token = if session.is_active(app.now()) {
        Some(crate::tokens::session_token(app, &session, origin)?)
    } else {
        None
    };
    Ok(SessionView {
        session,
        user,
        token,
    })
}

/// A sign-in with the identifications its factors go to. Under enumeration protection an
/// unknown identifier gets a decoy (one identification, no names), and names are never shown
/// before the code: they would tell a real account apart.
pub async fn sign_in(app: &App, sign_in: SignInRow) -> Result<SignInView> {
    Ok(sign_in_and_user(app, sign_in, None).await?.0)
}

/// [`sign_in`], and the user it signs in as loaded for it (to be reused by the session view).
/// `known` is the user as the caller already loaded it, if it did.
pub async fn sign_in_and_user(
    app: &App,
    sign_in: SignInRow,
    known: Option<&UserView>,
) -> Result<(SignInView, Option<UserView>)> {
    let hide = app.config.protection.enumeration_protection;
    let found = match (&sign_in.user_id, known) {
        (Some(uid), Some(view)) if view.user.id == *uid => Some(view.clone()),
        (Some(uid), _) => user(app, uid).await?,
        (None, _) => None,
    };
    let mut loaded = None;
    let (factor_idents, user_names) = match (&sign_in.user_id, &sign_in.identifier) {
        (Some(_), _) => match found {
            Some(view) => {
                let names = if hide {
                    (None, None)
                } else {
                    (view.user.first_name.clone(), view.user.last_name.clone())
                };
                let idents = view.idents.clone();
                loaded = Some(view);
                (idents, Some(names))
            }
            None => (Vec::new(), None),
        },
        (None, Some(identifier)) if hide => (
            vec![crate::protection::decoy_ident(app, identifier)],
            Some((None, None)),
        ),
        _ => (Vec::new(), None),
    };
    let view = SignInView {
        sign_in,
        factor_idents,
        user_names,
    };
    Ok((view, loaded))
}

/// Rows the caller already holds (as of its own commit), used instead of reading them again.
#[derive(Debug, Default, Clone, Copy)]
pub struct Known<'a> {
    /// The sign-up the request worked on.
    pub sign_up: Option<&'a SignUpRow>,
    /// The sign-in the request worked on, loaded.
    pub sign_in: Option<&'a SignInView>,
    /// A user loaded for this answer already.
    pub user: Option<&'a UserView>,
    /// The client's sessions with status active, as of the caller's commit.
    pub sessions: Option<&'a [SessionRow]>,
}

/// A client with its active sessions and the sign-in and sign-up in progress.
pub async fn client(
    app: &App,
    client: &ClientRow,
    origin: Option<&str>,
    known: Known<'_>,
) -> Result<ClientView> {
    let now = app.now();
    let mut sessions = Vec::new();
    // A client row at version 1 was inserted and never updated since, and making a session
    // always updates the client (its cookie token changes): it has no sessions to look for.
    let may_have_sessions = client.version != 1;
    if may_have_sessions {
        let rows = match known.sessions {
            Some(rows) => rows.to_vec(),
            None => {
                app.store
                    .client_sessions(&client.id, SessionStatus::Active)
                    .await?
            }
        };
        for s in rows {
            if s.is_active(now) {
                sessions.push(session(app, s, origin, known).await?);
            }
        }
    }
    let sign_in = match (&client.sign_in_id, known.sign_in) {
        (Some(id), Some(view)) if view.sign_in.id == *id => Some(view.clone()),
        (Some(id), _) => match app.store.sign_in(id).await? {
            Some(si) => Some(sign_in(app, si).await?),
            None => None,
        },
        (None, _) => None,
    };
    let sign_up = match (&client.sign_up_id, known.sign_up) {
        (Some(id), Some(su)) if su.id == *id => Some(su.clone()),
        (Some(id), _) => app.store.sign_up(id).await?,
        (None, _) => None,
    };
    Ok(ClientView {
        client: client.clone(),
        sessions,
        sign_in,
        sign_up,
        cookie_expires_at: client.updated_at + super::cookie::MAX_AGE_SECS * 1000,
    })
}
