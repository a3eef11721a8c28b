//! The auth context: environment, client, active session and user as signals, provided at the
//! root by [`AuthProvider`], and the Clerk-style accessors [`use_sign_up`], [`use_sign_in`],
//! [`use_user`].
//!
//! The client signal is the single source of truth: the [`Api`] reports the `client` of every
//! answer (also of 4xx answers, like clerk-js) and everything else is derived from it.

use std::rc::Rc;

use crate::router::NavigateOptions;
use leptos::prelude::*;
use onetime_protocol::fields;
use wasm_bindgen_futures::spawn_local;

use crate::api::{self, Api, ApiCall, FirstFactor, GlooTransport, SignUpParams, Transport};
use crate::cooldown::cooldown_of;
use crate::identifier::Allowed;
use onetime_protocol::slim::{Client, Environment, Session, SignIn, SignUp, User};
use serde::de::DeserializeOwned;

/// The auth state shared by every page and component. Cheap to copy.
#[derive(Clone, Copy)]
pub struct Auth {
    api: StoredValue<Api, LocalStorage>,
    /// `GET /v1/environment`; `None` while loading (a reload keeps the last answer until the
    /// next one arrives).
    pub environment: RwSignal<Option<api::Result<Environment>>>,
    /// The current client (`None` before the first sign-in/up or after the client is destroyed).
    pub client: RwSignal<Option<Client>>,
    /// Whether the first `GET /v1/client` has answered.
    pub client_loaded: RwSignal<bool>,
    /// True while [`Auth::activate`] runs. Only `activate` writes it.
    activating: RwSignal<bool>,
}

/// Where the browser stands, derived from the client and [`Auth::activate`]; guards and cards
/// read it, and only `activate` and `sign_out` make it change (besides answers from the server).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthPhase {
    /// The environment or the client has not answered yet.
    Loading,
    /// Nobody is signed in.
    SignedOut,
    /// A finished sign-in or sign-up is making its session active and will navigate on: the
    /// card that started it stays, and protected pages wait instead of redirecting.
    Activating,
    /// A session is active.
    SignedIn,
}

impl Auth {
    /// Creates the state over `transport` and starts loading environment and client.
    pub fn new(transport: Rc<dyn Transport>) -> Self {
        let client = RwSignal::new(None::<Client>);
        let listener: api::ClientListener = Rc::new(move |c| client.try_set(c).map_or((), drop));
        let api = Api::new(transport).on_client(listener);
        let api = StoredValue::new_local(api);
        let auth = Self {
            api,
            environment: RwSignal::new(None),
            client,
            client_loaded: RwSignal::new(false),
            activating: RwSignal::new(false),
        };
        auth.reload_environment();
        auth.reload_client();
        auth
    }

    /// The API (its answers update this state).
    pub fn api(&self) -> Api {
        self.api.get_value()
    }

    /// (Re)loads `GET /v1/environment`.
    pub fn reload_environment(&self) {
        let environment = self.environment;
        let api = self.api();
        spawn_local(async move {
            environment.try_set(Some(api.environment().await));
        });
    }

    /// (Re)loads `GET /v1/client`.
    pub fn reload_client(&self) {
        let this = *self;
        let api = self.api();
        spawn_local(async move {
            // A failed load leaves the client as it was (signed out on first load): the pages
            // then offer sign-in, and the next request reports its own error.
            if let Ok(c) = api.client().await {
                this.client.try_set(c);
            }
            this.client_loaded.try_set(true);
        });
    }

    /// Reads the loaded environment in place (`None` while loading or on error): the
    /// accessors below use it so no render clones the whole environment.
    fn with_env<T>(&self, read: impl FnOnce(Option<&Environment>) -> T) -> T {
        self.environment
            .with(|e| read(e.as_ref().and_then(|r| r.as_ref().ok())))
    }

    /// True once the environment has loaded successfully.
    pub fn has_env(&self) -> bool {
        self.with_env(|e| e.is_some())
    }

    /// The application's name (`display_config.application_name`), `onetime` when unnamed.
    pub fn app_name(&self) -> String {
        self.with_env(|e| {
            e.map(|e| e.display_config.application_name.as_str())
                .filter(|n| !n.is_empty())
                .unwrap_or("onetime")
                .to_string()
        })
    }

    /// The identifiers a flow offers: enabled ones for sign-up; for sign-in, those that also
    /// identify a user at sign-in (`used_for_first_factor`).
    pub fn allowed(&self, sign_in: bool) -> Allowed {
        self.with_env(|e| {
            e.map(|e| {
                let a = &e.user_settings.attributes;
                Allowed {
                    phone: a.phone_number.enabled
                        && (!sign_in || a.phone_number.used_for_first_factor),
                    email: a.email_address.enabled
                        && (!sign_in || a.email_address.used_for_first_factor),
                }
            })
            .unwrap_or_default()
        })
    }

    /// Digits in a code (`display_config.code_length`, 6 until the environment says).
    pub fn code_length(&self) -> usize {
        self.with_env(|e| crate::code::code_length(e.and_then(|e| e.display_config.code_length)))
    }

    /// The resend cooldown in seconds (see [`cooldown_of`]).
    pub fn cooldown(&self) -> u32 {
        self.with_env(cooldown_of)
    }

    /// True once both the environment and the client have answered (successfully or not).
    pub fn is_loaded(&self) -> bool {
        self.environment.get().is_some() && self.client_loaded.get()
    }

    /// Where the browser stands (tracked).
    pub fn phase(&self) -> AuthPhase {
        if !self.is_loaded() {
            AuthPhase::Loading
        } else if self.activating.get() {
            AuthPhase::Activating
        } else if self.is_signed_in() {
            AuthPhase::SignedIn
        } else {
            AuthPhase::SignedOut
        }
    }

    /// The active session: the client's last active session, if it is active.
    pub fn session(&self) -> Option<Session> {
        self.client.with(|c| {
            c.as_ref()
                .and_then(Client::last_active_session)
                .filter(|s| s.is_signed_in())
                .cloned()
        })
    }

    /// The signed-in user.
    pub fn user(&self) -> Option<User> {
        self.session().and_then(|s| s.user)
    }

    /// True when the client has an active session (whatever the phase).
    pub fn is_signed_in(&self) -> bool {
        self.client.with(|c| {
            c.as_ref()
                .and_then(Client::last_active_session)
                .is_some_and(Session::is_signed_in)
        })
    }

    /// `setActive({session})` for a finished sign-in or sign-up, then navigation to `target`.
    ///
    /// The phase is [`AuthPhase::Activating`] from the first call (made in the same turn as
    /// the answer that completed the attempt, so no guard sees the new session before) until
    /// the route has changed: the touch answer's client is applied only after `navigate`, so
    /// the route switch is scheduled before anything that reacts to the new state, and the
    /// card that started it is gone before its gate could redirect.
    pub async fn activate(
        &self,
        session_id: &str,
        target: &str,
        navigate: &dyn Fn(&str, NavigateOptions),
    ) -> api::Result<()> {
        self.activating.set(true);
        let answer = self
            .api()
            .quiet()
            .set_active(session_id)
            .with_client()
            .await;
        let result = answer.map(|(_session, client)| {
            navigate(target, NavigateOptions::default());
            if let Some(client) = client {
                self.client.try_set(client);
            }
        });
        self.activating.try_set(false);
        result
    }

    /// `signOut()`: ends the sessions, then goes to `then`. Like [`Auth::activate`], the answer's
    /// client is applied after navigating, so the page being left (e.g. the protected `/user`)
    /// is replaced before its guard could send the person to the sign-in page.
    pub async fn sign_out(
        &self,
        then: &str,
        navigate: &dyn Fn(&str, NavigateOptions),
    ) -> api::Result<()> {
        let call = self.api().quiet().sign_out();
        self.leave(call, then, navigate).await
    }

    /// `user.delete()`: deletes the account, then goes to `then` (as [`Auth::sign_out`] does).
    pub async fn delete_account(
        &self,
        then: &str,
        navigate: &dyn Fn(&str, NavigateOptions),
    ) -> api::Result<()> {
        let call = self.api().quiet().me().delete();
        self.leave(call, then, navigate).await
    }

    /// Sends `call`, which ends the signed-in state, goes to `then`, and only then applies the
    /// answer's client.
    async fn leave<T: serde::de::DeserializeOwned + Default>(
        &self,
        call: api::ApiCall<T>,
        then: &str,
        navigate: &dyn Fn(&str, NavigateOptions),
    ) -> api::Result<()> {
        let (_, client) = call.with_client().await?;
        navigate(then, NavigateOptions::default());
        // The answer normally carries the client without sessions; nothing stays signed in
        // even if it did not.
        let mut client = client.flatten();
        if let Some(c) = client.as_mut() {
            c.last_active_session_id = None;
        }
        self.client.try_set(client);
        Ok(())
    }
}

/// The auth context (panics outside [`AuthProvider`]).
pub fn use_auth() -> Auth {
    expect_context::<Auth>()
}

/// Provides the auth context to its children. Without `transport`, requests go to the page's
/// origin through `fetch` ([`GlooTransport`]).
#[component]
pub fn AuthProvider(
    /// The HTTP transport (tests pass a fake).
    #[prop(default = None)]
    transport: Option<Rc<dyn Transport>>,
    /// The app.
    children: Children,
) -> impl IntoView {
    let transport = transport.unwrap_or_else(|| Rc::new(GlooTransport::default()));
    provide_context(Auth::new(transport));
    children()
}

/// `useUser()`: whether the state is loaded, whether someone is signed in, and who. Each
/// accessor reads the auth state, so calling it in a view or closure tracks it like a signal
/// (plain methods rather than `Signal` fields: one `Signal<T>` type per field costs the wasm
/// more than these calls).
#[derive(Clone, Copy)]
pub struct UseUser {
    auth: Auth,
}

impl UseUser {
    /// Environment and client have loaded.
    pub fn is_loaded(&self) -> bool {
        self.auth.is_loaded()
    }

    /// A session is active.
    pub fn is_signed_in(&self) -> bool {
        self.auth.is_signed_in()
    }

    /// The signed-in user.
    pub fn user(&self) -> Option<User> {
        self.auth.user()
    }

    /// The active session.
    pub fn session(&self) -> Option<Session> {
        self.auth.session()
    }
}

/// `useUser()`.
pub fn use_user() -> UseUser {
    UseUser { auth: use_auth() }
}

/// The call `call` makes on the attempt in progress, or a failed call when there is none.
fn on_attempt<T: DeserializeOwned + Default>(
    id: api::Result<String>,
    call: impl FnOnce(&str) -> ApiCall<T>,
) -> ApiCall<T> {
    match id {
        Ok(id) => call(&id),
        Err(e) => ApiCall::failed(e),
    }
}

fn no_attempt(what: &str) -> api::Error {
    api::Error::Unexpected {
        status: 0,
        detail: format!("no {what} in progress"),
    }
}

/// `useSignUp()`: the current sign-up and its methods (they act on `client.sign_up`).
#[derive(Clone, Copy)]
pub struct UseSignUp {
    auth: Auth,
}

/// `useSignUp()`.
pub fn use_sign_up() -> UseSignUp {
    UseSignUp { auth: use_auth() }
}

impl UseSignUp {
    /// Environment and client have loaded (tracked).
    pub fn is_loaded(&self) -> bool {
        self.auth.is_loaded()
    }

    /// The sign-up in progress (`client.sign_up`; tracked).
    pub fn sign_up(&self) -> Option<SignUp> {
        self.auth
            .client
            .with(|c| c.as_ref().and_then(|c| c.sign_up.clone()))
    }

    fn id(&self) -> api::Result<String> {
        self.auth
            .client
            .with_untracked(|c| c.as_ref()?.sign_up.as_ref().map(|s| s.id.clone()))
            .ok_or_else(|| no_attempt("sign-up"))
    }

    /// `signUp.create({phoneNumber | emailAddress})`.
    pub fn create(&self, params: &SignUpParams) -> ApiCall<SignUp> {
        self.auth.api().sign_up().create(params)
    }

    /// `signUp.update({username})`.
    pub fn update(&self, params: &SignUpParams) -> ApiCall<SignUp> {
        on_attempt(self.id(), |id| self.auth.api().sign_up().update(id, params))
    }

    /// `signUp.prepareVerification({strategy})` (sends the code).
    pub fn prepare_verification(&self, strategy: &str) -> ApiCall<SignUp> {
        on_attempt(self.id(), |id| {
            self.auth.api().sign_up().prepare_verification(id, strategy)
        })
    }

    /// `signUp.attemptVerification({strategy, code})`.
    pub fn attempt_verification(&self, strategy: &str, code: &str) -> ApiCall<SignUp> {
        on_attempt(self.id(), |id| {
            self.auth
                .api()
                .sign_up()
                .attempt_verification(id, strategy, code)
        })
    }

    /// `signUp.preparePhoneNumberVerification()`.
    pub fn prepare_phone_number_verification(&self) -> ApiCall<SignUp> {
        self.prepare_verification(onetime_protocol::strategies::PHONE_CODE)
    }

    /// `signUp.attemptPhoneNumberVerification({code})`.
    pub fn attempt_phone_number_verification(&self, code: &str) -> ApiCall<SignUp> {
        self.attempt_verification(onetime_protocol::strategies::PHONE_CODE, code)
    }

    /// `signUp.prepareEmailAddressVerification()`.
    pub fn prepare_email_address_verification(&self) -> ApiCall<SignUp> {
        self.prepare_verification(onetime_protocol::strategies::EMAIL_CODE)
    }

    /// `signUp.attemptEmailAddressVerification({code})`.
    pub fn attempt_email_address_verification(&self, code: &str) -> ApiCall<SignUp> {
        self.attempt_verification(onetime_protocol::strategies::EMAIL_CODE, code)
    }

    /// `setActive({session})`.
    pub fn set_active(&self, session_id: &str) -> ApiCall<Session> {
        self.auth.api().set_active(session_id)
    }
}

/// True when a sign-up still needs a username.
pub fn needs_username(sign_up: &SignUp) -> bool {
    sign_up.missing_fields.iter().any(|f| f == fields::USERNAME)
}

/// `useSignIn()`: the current sign-in and its methods (they act on `client.sign_in`).
#[derive(Clone, Copy)]
pub struct UseSignIn {
    auth: Auth,
}

/// `useSignIn()`.
pub fn use_sign_in() -> UseSignIn {
    UseSignIn { auth: use_auth() }
}

impl UseSignIn {
    /// Environment and client have loaded (tracked).
    pub fn is_loaded(&self) -> bool {
        self.auth.is_loaded()
    }

    /// The sign-in in progress (`client.sign_in`; tracked).
    pub fn sign_in(&self) -> Option<SignIn> {
        self.auth
            .client
            .with(|c| c.as_ref().and_then(|c| c.sign_in.clone()))
    }

    fn id(&self) -> api::Result<String> {
        self.auth
            .client
            .with_untracked(|c| c.as_ref()?.sign_in.as_ref().map(|s| s.id.clone()))
            .ok_or_else(|| no_attempt("sign-in"))
    }

    /// `signIn.create({identifier})`.
    pub fn create(&self, identifier: &str) -> ApiCall<SignIn> {
        self.auth.api().sign_in().create(identifier)
    }

    /// `signIn.prepareFirstFactor({strategy, phoneNumberId | emailAddressId})` (sends the code).
    pub fn prepare_first_factor(&self, factor: &FirstFactor) -> ApiCall<SignIn> {
        on_attempt(self.id(), |id| {
            self.auth.api().sign_in().prepare_first_factor(id, factor)
        })
    }

    /// `signIn.attemptFirstFactor({strategy, code})`.
    pub fn attempt_first_factor(&self, strategy: &str, code: &str) -> ApiCall<SignIn> {
        on_attempt(self.id(), |id| {
            self.auth
                .api()
                .sign_in()
                .attempt_first_factor(id, strategy, code)
        })
    }

    /// `setActive({session})`.
    pub fn set_active(&self, session_id: &str) -> ApiCall<Session> {
        self.auth.api().set_active(session_id)
    }
}
