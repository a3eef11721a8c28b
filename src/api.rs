//! Every request the app makes, in one place.
//!
//! The wire is Clerk's Frontend API (FAPI): form-encoded bodies, `POST` with `?_method=PATCH|DELETE`
//! instead of the real verbs (no CORS preflight), cookies sent with every request
//! (`credentials: include`), responses wrapped in `{response, client}`, errors in
//! `{errors: [{code, message, long_message, meta: {param_name}}]}`.
//!
//! The HTTP itself sits behind [`Transport`], so tests can mount components with a fake; the
//! browser uses [`GlooTransport`]. The methods are grouped like clerk-js so Clerk users recognise
//! them: `api.sign_up().create(..)`, `api.sign_up().prepare_phone_number_verification(..)`,
//! `api.sign_in().attempt_first_factor(..)`, `api.set_active(..)`, `api.sign_out()`,
//! `api.session(sid).get_token()`.
//!
//! Like clerk-js, every answer that carries a `client` (also on 4xx errors, in `meta.client`)
//! is handed to the client listener given to [`Api::on_client`], so the app state follows the
//! server after every mutation.

use onetime_protocol::{ApiError, fields, strategies};
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use onetime_protocol::slim::{
    CarriedClient, Client, Device, Environment, ErrorAnswer, Object, Response, Session, SignIn,
    SignUp, Token,
};
use serde::de::DeserializeOwned;

use crate::identifier::IdentifierKind;
use crate::redirect::encode_component;

/// The wire method. FAPI only needs these two: other verbs travel as `POST ?_method=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `GET`.
    Get,
    /// `POST` (also PATCH and DELETE, with `?_method=` in the path).
    Post,
}

impl Method {
    /// `"GET"` or `"POST"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// A request as it goes on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// `GET` or `POST`.
    pub method: Method,
    /// Path and query, starting with `/v1/` (e.g. `/v1/client/sign_ups/sua_1?_method=PATCH`).
    pub path: String,
    /// Form fields (sent as `application/x-www-form-urlencoded` on `POST`).
    pub form: Vec<(String, String)>,
}

impl HttpRequest {
    /// The method the server sees: `PATCH`/`DELETE` when the path carries `?_method=`.
    pub fn effective_method(&self) -> &str {
        self.path
            .split_once("_method=")
            .map(|(_, m)| m.split('&').next().unwrap_or(m))
            .unwrap_or(self.method.as_str())
    }

    /// The path without the query string.
    pub fn route(&self) -> &str {
        self.path.split('?').next().unwrap_or(&self.path)
    }

    /// The value of a form field.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What came back: status, body and the `Retry-After` header (seconds) if there was one.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HttpResponse {
    /// HTTP status.
    pub status: u16,
    /// Response body (JSON).
    pub body: String,
    /// `Retry-After` in seconds (429 answers).
    pub retry_after: Option<u64>,
}

/// The request could not be made or no answer arrived (offline, DNS, CORS, server down).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkError(pub String);

/// The future a [`Transport`] returns (browser futures are not `Send`).
pub type TransportFuture =
    Pin<Box<dyn Future<Output = std::result::Result<HttpResponse, NetworkError>>>>;

/// Sends one HTTP request. The real one is [`GlooTransport`]; tests provide a fake.
pub trait Transport {
    /// Sends `request` and resolves to the status and body, or a network failure.
    fn send(&self, request: HttpRequest) -> TransportFuture;
}

/// Why a call failed.
#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// The server answered with FAPI errors.
    Api {
        /// HTTP status.
        status: u16,
        /// The errors (the first one is the main one).
        errors: Vec<ApiError>,
        /// `Retry-After` seconds (from the header, or `meta.retry_after_seconds`).
        retry_after: Option<u64>,
    },
    /// No answer: the network or the server is down.
    Network(String),
    /// An answer that is not what FAPI sends (e.g. an HTML error page from a proxy).
    Unexpected {
        /// HTTP status.
        status: u16,
        /// What went wrong decoding it.
        detail: String,
    },
}

impl Error {
    /// The first FAPI error, if any.
    pub fn first(&self) -> Option<&ApiError> {
        match self {
            Error::Api { errors, .. } => errors.first(),
            _ => None,
        }
    }

    /// The first error's code (`form_code_incorrect`, ...).
    pub fn code(&self) -> Option<&str> {
        self.first().map(|e| e.code.as_str())
    }

    /// True for [`Error::Network`].
    pub fn is_network(&self) -> bool {
        matches!(self, Error::Network(_))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api { status, errors, .. } => match errors.first() {
                Some(e) => write!(f, "{status} {}: {}", e.code, e.message),
                None => write!(f, "HTTP {status}"),
            },
            Error::Network(m) => write!(f, "network error: {m}"),
            Error::Unexpected { status, detail } => {
                write!(f, "unexpected answer ({status}): {detail}")
            }
        }
    }
}

impl std::error::Error for Error {}

/// The result of an API call.
pub type Result<T> = std::result::Result<T, Error>;

/// Encodes form fields as `application/x-www-form-urlencoded`.
pub fn encode_form(form: &[(String, String)]) -> String {
    form.iter()
        .map(|(k, v)| format!("{}={}", encode_component(k), encode_component(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// What an answer carries besides its resource: the status, the body still to be decoded as
/// the resource, and the client (`client`, or `meta.client` on errors; `Some(None)` means "no
/// client any more", `None` that the answer did not say).
#[derive(Debug)]
pub struct Answer {
    status: u16,
    body: String,
    /// The client the answer carried.
    pub client: Option<Option<Client>>,
}

/// Parses JSON text as `T`: in the browser with `JSON.parse` and serde over the JS value.
#[cfg(target_arch = "wasm32")]
fn from_json<T: DeserializeOwned>(text: &str) -> std::result::Result<T, String> {
    let value = js_sys::JSON::parse(text).map_err(|_| "not JSON".to_string())?;
    serde_wasm_bindgen::from_value(value).map_err(|e| e.to_string())
}

#[cfg(not(target_arch = "wasm32"))]
fn from_json<T: DeserializeOwned>(text: &str) -> std::result::Result<T, String> {
    serde_json::from_str(text).map_err(|e| e.to_string())
}

fn unexpected(status: u16, detail: String) -> Error {
    Error::Unexpected { status, detail }
}

/// Reads an answer's status and client, and turns an error answer into its typed [`Error`]
/// (the client of an error answer still comes back, like clerk-js reads `meta.client`).
pub fn decode(resp: HttpResponse) -> (Result<Answer>, Option<Option<Client>>) {
    let HttpResponse {
        status,
        body,
        retry_after,
    } = resp;
    if (200..300).contains(&status) {
        // A bare list (the active sessions) carries no client; it must not be read as one.
        let text = if body.trim().is_empty() || body.trim_start().starts_with('[') {
            "null"
        } else {
            &body
        };
        return match from_json::<Option<CarriedClient>>(text) {
            Ok(carried) => {
                let client = carried.and_then(|c| c.client);
                let answer = Answer {
                    status,
                    body,
                    client: client.clone(),
                };
                (Ok(answer), client)
            }
            Err(e) => (Err(unexpected(status, format!("invalid JSON: {e}"))), None),
        };
    }
    let Ok(ErrorAnswer { errors, meta }) = from_json::<ErrorAnswer>(&body) else {
        let detail = "the server answered with something that is not FAPI JSON".to_string();
        return (Err(unexpected(status, detail)), None);
    };
    if errors.is_empty() {
        let detail = format!("HTTP {status} without FAPI errors");
        return (Err(unexpected(status, detail)), meta.client);
    }
    let retry_after =
        retry_after.or_else(|| errors.first().and_then(|e| e.meta.retry_after_seconds));
    let error = Error::Api {
        status,
        errors,
        retry_after,
    };
    (Err(error), meta.client)
}

/// How a resource sits in its answer: most are the `response` of a `{response, client}`
/// envelope; the environment and tokens are the bare body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Enveloped,
    Bare,
}

/// Decodes the resource of an answer [`decode`] accepted.
fn resource<T: DeserializeOwned + Default>(answer: &Answer, shape: Shape) -> Result<T> {
    let text = if answer.body.trim().is_empty() {
        "null"
    } else {
        &answer.body
    };
    let decoded = match shape {
        Shape::Enveloped => from_json::<Response<T>>(text).map(|r| r.response),
        Shape::Bare => from_json::<T>(text),
    };
    decoded.map_err(|e| unexpected(answer.status, format!("unexpected shape: {e}")))
}

/// What [`Api::send`] resolves to.
type SendFuture = Pin<Box<dyn Future<Output = Result<Answer>>>>;

/// One API call in flight: the request, then the decoding of its resource as `T`. Await it.
///
/// The methods return this instead of being `async fn`s so that every call shares one request
/// future and only this small decoding step is generated per resource type: nested `async`
/// layers cost the wasm a state machine per method.
#[must_use = "an API call does nothing until awaited"]
pub struct ApiCall<T> {
    sent: SendFuture,
    shape: Shape,
    resource: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned + Default> ApiCall<T> {
    fn new(sent: SendFuture, shape: Shape) -> Self {
        Self {
            sent,
            shape,
            resource: PhantomData,
        }
    }

    /// A call that fails without sending anything (e.g. no attempt in progress).
    pub fn failed(error: Error) -> Self {
        Self::new(Box::pin(std::future::ready(Err(error))), Shape::Enveloped)
    }

    /// The resource together with the client the answer carried (for calls made through
    /// [`Api::quiet`], whose caller applies the client itself).
    pub async fn with_client(self) -> Result<(T, Option<Option<Client>>)> {
        let answer = self.sent.await?;
        let value = resource(&answer, self.shape)?;
        Ok((value, answer.client))
    }
}

impl<T: DeserializeOwned + Default> Future for ApiCall<T> {
    type Output = Result<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T>> {
        let this = self.get_mut();
        let shape = this.shape;
        this.sent
            .as_mut()
            .poll(cx)
            .map(|sent| sent.and_then(|answer| resource(&answer, shape)))
    }
}

/// Called with the client of every answer that carries one.
pub type ClientListener = Rc<dyn Fn(Option<Client>)>;

/// The FAPI client: all the app's requests.
#[derive(Clone)]
pub struct Api {
    transport: Rc<dyn Transport>,
    listener: Option<ClientListener>,
}

impl fmt::Debug for Api {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Api").finish_non_exhaustive()
    }
}

fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

impl Api {
    /// An API over `transport`.
    pub fn new(transport: Rc<dyn Transport>) -> Self {
        Self {
            transport,
            listener: None,
        }
    }

    /// The same API, reporting every client it sees to `listener`.
    pub fn on_client(mut self, listener: ClientListener) -> Self {
        self.listener = Some(listener);
        self
    }

    /// The same API without the client listener: answers leave the state alone, and the
    /// caller applies the client itself ([`ApiCall::with_client`]) when it is ready to (the
    /// auth context does so after navigating, see `Auth::activate`).
    pub fn quiet(&self) -> Self {
        Self {
            transport: self.transport.clone(),
            listener: None,
        }
    }

    /// Sends a request, hands the answer's client to the listener and resolves to the answer.
    /// One boxed future for every call, so the request machinery exists once in the wasm; only
    /// [`ApiCall`]'s decoding is per resource type.
    fn send(&self, method: Method, path: String, form: Vec<(String, String)>) -> SendFuture {
        let request = HttpRequest { method, path, form };
        let sent = self.transport.send(request);
        let listener = self.listener.clone();
        Box::pin(async move {
            let resp = sent.await.map_err(|e| Error::Network(e.0))?;
            let (answer, client) = decode(resp);
            if let (Some(client), Some(listener)) = (client, listener) {
                listener(client);
            }
            answer
        })
    }

    fn get<T: DeserializeOwned + Default>(&self, path: &str, shape: Shape) -> ApiCall<T> {
        ApiCall::new(self.send(Method::Get, path.to_string(), Vec::new()), shape)
    }

    fn post<T: DeserializeOwned + Default>(&self, path: &str, body: &[(&str, &str)]) -> ApiCall<T> {
        let sent = self.send(Method::Post, path.to_string(), form(body));
        ApiCall::new(sent, Shape::Enveloped)
    }

    /// E1 `GET /v1/environment`: which identifiers the instance uses.
    pub fn environment(&self) -> ApiCall<Environment> {
        self.get("/v1/environment", Shape::Bare)
    }

    /// E2 `GET /v1/client`: the current client (`None` before the first sign-in/up).
    pub fn client(&self) -> ApiCall<Option<Client>> {
        self.get("/v1/client", Shape::Enveloped)
    }

    /// Sign-up calls (`signUp.*` in clerk-js).
    pub fn sign_up(&self) -> SignUpApi<'_> {
        SignUpApi { api: self }
    }

    /// Sign-in calls (`signIn.*` in clerk-js).
    pub fn sign_in(&self) -> SignInApi<'_> {
        SignInApi { api: self }
    }

    /// Calls on one session (`session.*` in clerk-js).
    pub fn session<'a>(&'a self, session_id: &'a str) -> SessionApi<'a> {
        SessionApi {
            api: self,
            id: session_id,
        }
    }

    /// `setActive({session})`: S1 `POST /v1/client/sessions/{sid}/touch` with `intent=select_session`.
    pub fn set_active(&self, session_id: &str) -> ApiCall<Session> {
        self.session(session_id).touch("select_session")
    }

    /// `signOut()`: S5 `POST /v1/client/sessions?_method=DELETE` (ends every session, keeps the client).
    pub fn sign_out(&self) -> ApiCall<Option<Client>> {
        self.post("/v1/client/sessions?_method=DELETE", &[])
    }

    /// The signed-in user's own account (`user.*` in clerk-js).
    pub fn me(&self) -> AccountApi<'_> {
        AccountApi { api: self }
    }
}

/// `user.*`: the signed-in user's account (`/v1/me`). The server acts for the client's last
/// active session, the one the app shows.
#[derive(Debug, Clone, Copy)]
pub struct AccountApi<'a> {
    api: &'a Api,
}

impl AccountApi<'_> {
    fn identifier_path(kind: IdentifierKind, id: &str, action: &str) -> String {
        format!(
            "/v1/me/{}/{}{action}",
            kind.collection(),
            encode_component(id)
        )
    }

    /// `user.update({primary_phone_number_id | primary_email_address_id})`: `PATCH /v1/me`.
    pub fn set_primary(&self, kind: IdentifierKind, id: &str) -> ApiCall<Object> {
        let field = match kind {
            IdentifierKind::Phone => "primary_phone_number_id",
            IdentifierKind::Email => "primary_email_address_id",
        };
        self.api.post("/v1/me?_method=PATCH", &[(field, id)])
    }

    /// `user.delete()`: `DELETE /v1/me` (the user, its identifiers and every session).
    pub fn delete(&self) -> ApiCall<Object> {
        self.api.post("/v1/me?_method=DELETE", &[])
    }

    /// `user.createPhoneNumber` / `createEmailAddress`: adds `value` unverified.
    pub fn add(&self, kind: IdentifierKind, value: &str) -> ApiCall<Object> {
        let path = format!("/v1/me/{}", kind.collection());
        self.api.post(&path, &[(kind.field(), value)])
    }

    /// `prepareVerification()` on an added identifier: sends it a code.
    pub fn prepare_verification(&self, kind: IdentifierKind, id: &str) -> ApiCall<Object> {
        let path = Self::identifier_path(kind, id, "/prepare_verification");
        self.api.post(&path, &[(fields::STRATEGY, kind.strategy())])
    }

    /// `attemptVerification({code})` on an added identifier.
    pub fn attempt_verification(
        &self,
        kind: IdentifierKind,
        id: &str,
        code: &str,
    ) -> ApiCall<Object> {
        let path = Self::identifier_path(kind, id, "/attempt_verification");
        self.api.post(&path, &[(fields::CODE, code)])
    }

    /// `destroy()` on one of the user's identifiers: `DELETE /v1/me/{collection}/{id}`.
    pub fn remove(&self, kind: IdentifierKind, id: &str) -> ApiCall<Object> {
        let path = Self::identifier_path(kind, id, "?_method=DELETE");
        self.api.post(&path, &[])
    }

    /// `user.getSessions()`: `GET /v1/me/sessions/active`, a bare list of devices.
    pub fn devices(&self) -> ApiCall<Vec<Device>> {
        self.api.get("/v1/me/sessions/active", Shape::Bare)
    }

    /// `session.revoke()` for another device: `POST /v1/me/sessions/{sid}/revoke`.
    pub fn revoke(&self, session_id: &str) -> ApiCall<Object> {
        let path = format!("/v1/me/sessions/{}/revoke", encode_component(session_id));
        self.api.post(&path, &[])
    }
}

/// What a sign-up is created or updated with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignUpParams {
    /// Phone number in E.164.
    pub phone_number: Option<String>,
    /// Email address.
    pub email_address: Option<String>,
    /// Username.
    pub username: Option<String>,
}

impl SignUpParams {
    fn form(&self) -> Vec<(&'static str, &str)> {
        [
            (fields::PHONE_NUMBER, &self.phone_number),
            (fields::EMAIL_ADDRESS, &self.email_address),
            (fields::USERNAME, &self.username),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_deref().map(|v| (k, v)))
        .collect()
    }
}

/// `signUp.*`.
#[derive(Debug, Clone, Copy)]
pub struct SignUpApi<'a> {
    api: &'a Api,
}

impl SignUpApi<'_> {
    /// U1 `POST /v1/client/sign_ups`.
    pub fn create(&self, params: &SignUpParams) -> ApiCall<SignUp> {
        self.api.post("/v1/client/sign_ups", &params.form())
    }

    /// U2 `POST /v1/client/sign_ups/{id}?_method=PATCH` (e.g. the missing username).
    pub fn update(&self, id: &str, params: &SignUpParams) -> ApiCall<SignUp> {
        let path = format!("/v1/client/sign_ups/{}?_method=PATCH", encode_component(id));
        self.api.post(&path, &params.form())
    }

    /// U3 `prepare_verification` with `strategy`.
    pub fn prepare_verification(&self, id: &str, strategy: &str) -> ApiCall<SignUp> {
        let path = format!(
            "/v1/client/sign_ups/{}/prepare_verification",
            encode_component(id)
        );
        self.api.post(&path, &[(fields::STRATEGY, strategy)])
    }

    /// U4 `attempt_verification` with `strategy` and `code`.
    pub fn attempt_verification(&self, id: &str, strategy: &str, code: &str) -> ApiCall<SignUp> {
        let path = format!(
            "/v1/client/sign_ups/{}/attempt_verification",
            encode_component(id)
        );
        self.api
            .post(&path, &[(fields::STRATEGY, strategy), (fields::CODE, code)])
    }

    /// `preparePhoneNumberVerification()`: sends the SMS code.
    pub fn prepare_phone_number_verification(&self, id: &str) -> ApiCall<SignUp> {
        self.prepare_verification(id, strategies::PHONE_CODE)
    }

    /// `attemptPhoneNumberVerification({code})`.
    pub fn attempt_phone_number_verification(&self, id: &str, code: &str) -> ApiCall<SignUp> {
        self.attempt_verification(id, strategies::PHONE_CODE, code)
    }

    /// `prepareEmailAddressVerification()`: sends the email code.
    pub fn prepare_email_address_verification(&self, id: &str) -> ApiCall<SignUp> {
        self.prepare_verification(id, strategies::EMAIL_CODE)
    }

    /// `attemptEmailAddressVerification({code})`.
    pub fn attempt_email_address_verification(&self, id: &str, code: &str) -> ApiCall<SignUp> {
        self.attempt_verification(id, strategies::EMAIL_CODE, code)
    }
}

/// The factor to prepare in [`SignInApi::prepare_first_factor`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FirstFactor {
    /// `phone_code` to the phone number with this id.
    PhoneCode {
        /// `phone_number_id` from `supported_first_factors`.
        phone_number_id: String,
    },
    /// `email_code` to the address with this id.
    EmailCode {
        /// `email_address_id` from `supported_first_factors`.
        email_address_id: String,
    },
}

impl FirstFactor {
    /// The strategy name.
    pub fn strategy(&self) -> &'static str {
        match self {
            FirstFactor::PhoneCode { .. } => strategies::PHONE_CODE,
            FirstFactor::EmailCode { .. } => strategies::EMAIL_CODE,
        }
    }

    /// Picks the factor of `strategy` from a sign-in's `supported_first_factors`
    /// (clerk-js `selectFirstFactor`).
    pub fn select(sign_in: &SignIn, strategy: &str) -> Option<Self> {
        let f = sign_in
            .supported_first_factors
            .iter()
            .find(|f| f.strategy == strategy)?;
        match strategy {
            strategies::PHONE_CODE => f
                .phone_number_id
                .clone()
                .map(|phone_number_id| FirstFactor::PhoneCode { phone_number_id }),
            strategies::EMAIL_CODE => f
                .email_address_id
                .clone()
                .map(|email_address_id| FirstFactor::EmailCode { email_address_id }),
            _ => None,
        }
    }
}

/// `signIn.*`.
#[derive(Debug, Clone, Copy)]
pub struct SignInApi<'a> {
    api: &'a Api,
}

impl SignInApi<'_> {
    /// I1 `POST /v1/client/sign_ins` with `identifier` (E.164 or email).
    pub fn create(&self, identifier: &str) -> ApiCall<SignIn> {
        self.api
            .post("/v1/client/sign_ins", &[(fields::IDENTIFIER, identifier)])
    }

    /// I2 `prepare_first_factor`: sends the code.
    pub fn prepare_first_factor(&self, id: &str, factor: &FirstFactor) -> ApiCall<SignIn> {
        let path = format!(
            "/v1/client/sign_ins/{}/prepare_first_factor",
            encode_component(id)
        );
        let (key, value) = match factor {
            FirstFactor::PhoneCode { phone_number_id } => {
                (fields::PHONE_NUMBER_ID, phone_number_id)
            }
            FirstFactor::EmailCode { email_address_id } => {
                (fields::EMAIL_ADDRESS_ID, email_address_id)
            }
        };
        self.api.post(
            &path,
            &[(fields::STRATEGY, factor.strategy()), (key, value)],
        )
    }

    /// I3 `attempt_first_factor` with `strategy` and `code`.
    pub fn attempt_first_factor(&self, id: &str, strategy: &str, code: &str) -> ApiCall<SignIn> {
        let path = format!(
            "/v1/client/sign_ins/{}/attempt_first_factor",
            encode_component(id)
        );
        self.api
            .post(&path, &[(fields::STRATEGY, strategy), (fields::CODE, code)])
    }
}

/// `session.*`.
#[derive(Debug, Clone, Copy)]
pub struct SessionApi<'a> {
    api: &'a Api,
    id: &'a str,
}

impl SessionApi<'_> {
    /// S1 `POST /v1/client/sessions/{sid}/touch` with `intent`.
    pub fn touch(&self, intent: &str) -> ApiCall<Session> {
        let path = format!("/v1/client/sessions/{}/touch", encode_component(self.id));
        self.api
            .post(&path, &[("active_organization_id", ""), ("intent", intent)])
    }

    /// `session.getToken()`: S2 `POST /v1/client/sessions/{sid}/tokens`, a bare `{object:"token", jwt}`.
    pub fn get_token(&self) -> impl Future<Output = Result<String>> + 'static {
        let path = format!("/v1/client/sessions/{}/tokens", encode_component(self.id));
        let sent = self
            .api
            .send(Method::Post, path, form(&[("organization_id", "")]));
        let call: ApiCall<Token> = ApiCall::new(sent, Shape::Bare);
        async move { call.await.map(|token| token.jwt) }
    }

    /// S3 `POST /v1/client/sessions/{sid}/end`.
    pub fn end(&self) -> ApiCall<Session> {
        let path = format!("/v1/client/sessions/{}/end", encode_component(self.id));
        self.api.post(&path, &[])
    }
}

/// The browser transport: `fetch` through gloo-net, same origin by default, cookies included.
#[derive(Debug, Clone, Default)]
pub struct GlooTransport {
    /// Prefix for every path (`""` = same origin, e.g. behind Trunk's proxy).
    pub base_url: String,
}

impl GlooTransport {
    /// A transport that talks to `base_url` (empty for the page's origin).
    pub fn new(base_url: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
        }
    }
}

#[cfg(target_arch = "wasm32")]
impl Transport for GlooTransport {
    fn send(&self, request: HttpRequest) -> TransportFuture {
        use gloo_net::http::Request;
        use web_sys::RequestCredentials;
        let url = format!("{}{}", self.base_url, request.path);
        Box::pin(async move {
            let net = |e: gloo_net::Error| NetworkError(e.to_string());
            let builder = match request.method {
                Method::Get => Request::get(&url),
                Method::Post => Request::post(&url),
            }
            .credentials(RequestCredentials::Include);
            let resp = match request.method {
                Method::Get => builder.send().await.map_err(net)?,
                Method::Post => builder
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .body(encode_form(&request.form))
                    .map_err(net)?
                    .send()
                    .await
                    .map_err(net)?,
            };
            let retry_after = resp
                .headers()
                .get("retry-after")
                .and_then(|v| v.trim().parse().ok());
            let status = resp.status();
            let body = resp.text().await.map_err(net)?;
            Ok(HttpResponse {
                status,
                body,
                retry_after,
            })
        })
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl Transport for GlooTransport {
    fn send(&self, _request: HttpRequest) -> TransportFuture {
        Box::pin(async { Err(NetworkError("no browser fetch on this target".into())) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    #[test]
    fn form_encoding() {
        let f = form(&[
            ("phone_number", "+12015550100"),
            ("email_address", "a b@x.y"),
        ]);
        assert_eq!(
            encode_form(&f),
            "phone_number=%2B12015550100&email_address=a%20b%40x.y"
        );
    }

    #[test]
    fn effective_method_reads_the_override() {
        let r = HttpRequest {
            method: Method::Post,
            path: "/v1/client/sessions?_method=DELETE".into(),
            form: vec![],
        };
        assert_eq!(r.effective_method(), "DELETE");
        assert_eq!(r.route(), "/v1/client/sessions");
        let r = HttpRequest {
            method: Method::Get,
            path: "/v1/client".into(),
            form: vec![],
        };
        assert_eq!(r.effective_method(), "GET");
    }

    #[test]
    fn decodes_envelopes_and_bare_bodies() {
        let ok = HttpResponse {
            status: 200,
            body: r#"{"response":{"id":"sua_1","status":"missing_requirements"},"client":{"id":"client_1"}}"#.into(),
            retry_after: None,
        };
        let (answer, client) = decode(ok);
        assert_eq!(client.unwrap().unwrap().id, "client_1");
        let su: SignUp = resource(&answer.unwrap(), Shape::Enveloped).unwrap();
        assert_eq!(su.id, "sua_1");

        let bare = HttpResponse {
            status: 200,
            body: r#"{"object":"token","jwt":"a.b.c"}"#.into(),
            retry_after: None,
        };
        let (answer, client) = decode(bare);
        assert!(client.is_none(), "no client key: leave the state alone");
        let t: Token = resource(&answer.unwrap(), Shape::Bare).unwrap();
        assert_eq!(t.jwt, "a.b.c");

        let signed_out = HttpResponse {
            status: 200,
            body: r#"{"response":null,"client":null}"#.into(),
            retry_after: None,
        };
        let (answer, client) = decode(signed_out);
        assert_eq!(client, Some(None));
        let none: Option<Client> = resource(&answer.unwrap(), Shape::Enveloped).unwrap();
        assert_eq!(none, None);

        let renamed = HttpResponse {
            status: 200,
            body: r#"{"response":{"id":7},"client":null}"#.into(),
            retry_after: None,
        };
        let (answer, _) = decode(renamed);
        assert!(matches!(
            resource::<SignUp>(&answer.unwrap(), Shape::Enveloped),
            Err(Error::Unexpected { status: 200, .. })
        ));
    }

    #[test]
    fn decodes_errors_with_client_and_retry_after() {
        let err = HttpResponse {
            status: 422,
            body: r#"{"errors":[{"code":"form_code_incorrect","message":"is incorrect","long_message":"Incorrect code","meta":{"param_name":"code"}}],"meta":{"client":{"id":"client_9"}}}"#.into(),
            retry_after: None,
        };
        let (json, client) = decode(err);
        assert_eq!(client.unwrap().unwrap().id, "client_9");
        let e = json.unwrap_err();
        assert_eq!(e.code(), Some("form_code_incorrect"));
        assert_eq!(e.first().unwrap().meta.param_name.as_deref(), Some("code"));

        let limited = HttpResponse {
            status: 429,
            body: r#"{"errors":[{"code":"too_many_requests","message":"Too many requests"}]}"#
                .into(),
            retry_after: Some(17),
        };
        match decode(limited).0 {
            Err(Error::Api {
                status: 429,
                retry_after: Some(17),
                ..
            }) => {}
            other => panic!("{other:?}"),
        }

        let html = HttpResponse {
            status: 502,
            body: "<html>Bad gateway</html>".into(),
            retry_after: None,
        };
        assert!(matches!(
            decode(html).0,
            Err(Error::Unexpected { status: 502, .. })
        ));
    }

    /// A transport that records requests and answers from a queue (native, so block on it).
    struct Fake {
        seen: RefCell<Vec<HttpRequest>>,
        answer: HttpResponse,
    }

    impl Transport for Rc<Fake> {
        fn send(&self, request: HttpRequest) -> TransportFuture {
            self.seen.borrow_mut().push(request);
            let a = self.answer.clone();
            Box::pin(async move { Ok(a) })
        }
    }

    fn block_on<F: Future>(f: F) -> F::Output {
        use std::task::{Context, Poll, Waker};
        let mut f = Box::pin(f);
        let mut cx = Context::from_waker(Waker::noop());
        loop {
            if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
                return v;
            }
        }
    }

    #[test]
    fn requests_match_the_fapi_table() {
        let fake = Rc::new(Fake {
            seen: RefCell::new(vec![]),
            answer: HttpResponse {
                status: 200,
                body: r#"{"response":{"id":"x"},"client":null}"#.into(),
                retry_after: None,
            },
        });
        let seen_clients = Rc::new(RefCell::new(0));
        let counter = seen_clients.clone();
        let api =
            Api::new(Rc::new(fake.clone())).on_client(Rc::new(move |_| *counter.borrow_mut() += 1));
        let phone = SignUpParams {
            phone_number: Some("+12015550100".into()),
            ..Default::default()
        };
        block_on(api.sign_up().create(&phone)).unwrap();
        block_on(api.sign_up().prepare_phone_number_verification("sua_1")).unwrap();
        block_on(
            api.sign_up()
                .attempt_email_address_verification("sua_1", "424242"),
        )
        .unwrap();
        let user = SignUpParams {
            username: Some("jane".into()),
            ..Default::default()
        };
        block_on(api.sign_up().update("sua_1", &user)).unwrap();
        block_on(api.sign_in().create("+12015550100")).unwrap();
        let factor = FirstFactor::PhoneCode {
            phone_number_id: "idn_1".into(),
        };
        block_on(api.sign_in().prepare_first_factor("sia_1", &factor)).unwrap();
        block_on(
            api.sign_in()
                .attempt_first_factor("sia_1", "phone_code", "424242"),
        )
        .unwrap();
        block_on(api.set_active("sess_1")).unwrap();
        block_on(api.sign_out()).unwrap();
        let seen = fake.seen.borrow();
        let lines: Vec<String> = seen
            .iter()
            .map(|r| format!("{} {} {}", r.method.as_str(), r.path, encode_form(&r.form)))
            .collect();
        assert_eq!(
            lines,
            [
                "POST /v1/client/sign_ups phone_number=%2B12015550100",
                "POST /v1/client/sign_ups/sua_1/prepare_verification strategy=phone_code",
                "POST /v1/client/sign_ups/sua_1/attempt_verification strategy=email_code&code=424242",
                "POST /v1/client/sign_ups/sua_1?_method=PATCH username=jane",
                "POST /v1/client/sign_ins identifier=%2B12015550100",
                "POST /v1/client/sign_ins/sia_1/prepare_first_factor strategy=phone_code&phone_number_id=idn_1",
                "POST /v1/client/sign_ins/sia_1/attempt_first_factor strategy=phone_code&code=424242",
                "POST /v1/client/sessions/sess_1/touch active_organization_id=&intent=select_session",
                "POST /v1/client/sessions?_method=DELETE ",
            ]
        );
        assert_eq!(
            *seen_clients.borrow(),
            9,
            "every envelope's client reaches the listener"
        );
    }

    #[test]
    fn account_requests_match_clerk_js() {
        let fake = Rc::new(Fake {
            seen: RefCell::new(vec![]),
            answer: HttpResponse {
                status: 200,
                body: r#"{"response":{"id":"x"},"client":null}"#.into(),
                retry_after: None,
            },
        });
        let api = Api::new(Rc::new(fake.clone()));
        let me = api.me();
        let (phone, email) = (IdentifierKind::Phone, IdentifierKind::Email);
        assert_eq!(block_on(me.add(email, "a@example.com")).unwrap().id, "x");
        block_on(me.prepare_verification(email, "idn_1")).unwrap();
        block_on(me.attempt_verification(email, "idn_1", "123456")).unwrap();
        block_on(me.set_primary(email, "idn_1")).unwrap();
        block_on(me.set_primary(phone, "idn_2")).unwrap();
        block_on(me.remove(phone, "idn_2")).unwrap();
        block_on(me.revoke("sess_2")).unwrap();
        block_on(me.delete()).unwrap();
        let lines: Vec<String> = fake
            .seen
            .borrow()
            .iter()
            .map(|r| format!("{} {} {}", r.method.as_str(), r.path, encode_form(&r.form)))
            .collect();
        assert_eq!(
            lines,
            [
                "POST /v1/me/email_addresses email_address=a%40example.com",
                "POST /v1/me/email_addresses/idn_1/prepare_verification strategy=email_code",
                "POST /v1/me/email_addresses/idn_1/attempt_verification code=123456",
                "POST /v1/me?_method=PATCH primary_email_address_id=idn_1",
                "POST /v1/me?_method=PATCH primary_phone_number_id=idn_2",
                "POST /v1/me/phone_numbers/idn_2?_method=DELETE ",
                "POST /v1/me/sessions/sess_2/revoke ",
                "POST /v1/me?_method=DELETE ",
            ]
        );
    }

    #[test]
    fn a_bare_list_is_not_read_as_a_client() {
        let list = HttpResponse {
            status: 200,
            body: r#"[{"object":"session","id":"sess_1","last_active_at":5,
                      "latest_activity":{"browser_name":"Chrome","is_mobile":false}}]"#
                .into(),
            retry_after: None,
        };
        let (answer, client) = decode(list);
        assert_eq!(
            client, None,
            "a list of sessions must leave the client alone"
        );
        let devices: Vec<Device> = resource(&answer.unwrap(), Shape::Bare).unwrap();
        assert_eq!(devices.len(), 1);
        assert_eq!(devices[0].id, "sess_1");
        assert_eq!(devices[0].last_active_at, 5);
    }

    #[test]
    fn selects_first_factors() {
        let si: SignIn = serde_json::from_str(
            r#"{"id":"sia_1","supported_first_factors":[
                {"strategy":"email_code","email_address_id":"idn_e"},
                {"strategy":"phone_code","phone_number_id":"idn_p"}]}"#,
        )
        .unwrap();
        assert_eq!(
            FirstFactor::select(&si, "phone_code"),
            Some(FirstFactor::PhoneCode {
                phone_number_id: "idn_p".into()
            })
        );
        assert_eq!(
            FirstFactor::select(&si, "email_code"),
            Some(FirstFactor::EmailCode {
                email_address_id: "idn_e".into()
            })
        );
        assert_eq!(FirstFactor::select(&si, "totp"), None);
    }
}
