//! Pieces shared by `<SignIn/>` and `<SignUp/>`: the card, the identifier step, the code step,
//! the username step, error placement and the live region.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use leptos::html;
use leptos::prelude::*;

use crate::components::icons::{LogoMark, Spinner};
use crate::components::otp_input::OtpInput;
use crate::components::phone_input::PhoneInput;
use crate::messages::{IdentifierKind, Remedy, Slot, UiError};
use crate::phone::{self, Country, default_country};
use crate::validate::check_email;

/// Seconds before "Resend code" is enabled again.
pub const RESEND_SECONDS: u32 = 30;

/// Which identifiers the instance offers for this flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Allowed {
    /// Phone numbers.
    pub phone: bool,
    /// Email addresses.
    pub email: bool,
}

impl Allowed {
    /// Both are offered, so the form shows a switch.
    pub fn both(self) -> bool {
        self.phone && self.email
    }

    /// The kind the form starts with (phone first, as in the guides).
    pub fn first(self) -> IdentifierKind {
        if self.phone {
            IdentifierKind::Phone
        } else {
            IdentifierKind::Email
        }
    }
}

/// What the user typed in the identifier step; kept while they go to the code step and back.
#[derive(Clone, Copy)]
pub struct IdentifierState {
    auth: crate::auth::Auth,
    /// For sign-in (offers only identifiers that identify a user at sign-in).
    pub sign_in: bool,
    /// The kind the user switched to, if they did.
    pub chosen: RwSignal<Option<IdentifierKind>>,
    /// Selected country.
    pub country: RwSignal<&'static Country>,
    /// Typed national digits.
    pub digits: RwSignal<String>,
    /// Typed email.
    pub email: RwSignal<String>,
}

impl IdentifierState {
    /// Empty state, US; the kind follows what is offered (phone first) until the user switches.
    pub fn new(auth: crate::auth::Auth, sign_in: bool) -> Self {
        Self {
            auth,
            sign_in,
            chosen: RwSignal::new(None),
            country: RwSignal::new(default_country()),
            digits: RwSignal::new(String::new()),
            email: RwSignal::new(String::new()),
        }
    }

    /// What the instance offers for this flow (tracked: follows the environment).
    pub fn allowed(&self) -> Allowed {
        self.auth.allowed(self.sign_in)
    }

    /// The kind shown: the user's choice if the instance offers it, else the first offered.
    pub fn kind(&self) -> IdentifierKind {
        let allowed = self.allowed();
        match self.chosen.get() {
            Some(IdentifierKind::Phone) if allowed.phone => IdentifierKind::Phone,
            Some(IdentifierKind::Email) if allowed.email => IdentifierKind::Email,
            _ => allowed.first(),
        }
    }

    /// Pre-fills from an identifier carried in the URL (`+12015550100` or an email address).
    pub fn prefill(&self, identifier: &str) {
        let id = identifier.trim();
        if id.starts_with('+') {
            if let Some((c, digits)) = phone::split_international(id, default_country()) {
                self.country.set(c);
                self.digits.set(digits);
                self.chosen.set(Some(IdentifierKind::Phone));
            }
        } else if id.contains('@') {
            self.email.set(id.to_string());
            self.chosen.set(Some(IdentifierKind::Email));
        }
    }

    /// Switches to `kind`.
    pub fn set_kind(&self, kind: IdentifierKind) {
        self.chosen.set(Some(kind));
    }

    /// The identifier to submit (E.164 or email), or the field error.
    pub fn value(&self) -> Result<(IdentifierKind, String), &'static str> {
        match self.kind_untracked() {
            IdentifierKind::Phone => {
                phone::to_e164(self.country.get_untracked(), &self.digits.get_untracked())
                    .map(|e| (IdentifierKind::Phone, e))
                    .map_err(phone::PhoneError::message)
            }
            IdentifierKind::Email => {
                check_email(&self.email.get_untracked()).map(|e| (IdentifierKind::Email, e))
            }
        }
    }

    fn kind_untracked(&self) -> IdentifierKind {
        leptos::prelude::untrack(|| self.kind())
    }
}

/// Focuses `input` whenever it (re)appears. One function for every input, so the effect exists
/// once in the wasm instead of once per call site.
pub fn focus_on_mount(input: NodeRef<html::Input>) {
    Effect::new(move |_| {
        if let Some(el) = input.get() {
            let _ = el.focus();
        }
    });
}

/// `"true"` / `"false"` for an ARIA state attribute (`aria-invalid`, `aria-busy`). Shared, so all
/// those attributes use one closure type.
pub fn aria_flag(
    flag: impl Get<Value = bool> + Copy + 'static,
) -> impl Fn() -> &'static str + Copy + 'static {
    move || if flag.get() { "true" } else { "false" }
}

/// `aria-describedby` naming `error_id` while the field is invalid (empty otherwise: the same
/// attribute type as [`aria_flag`], so the wasm has one kind of reactive attribute fewer).
pub fn described_by(
    invalid: Memo<bool>,
    error_id: &'static str,
) -> impl Fn() -> &'static str + Copy + 'static {
    move || if invalid.get() { error_id } else { "" }
}

/// The card every auth screen sits in.
#[component]
pub fn AuthCard(
    /// Heading.
    title: Memo<String>,
    /// Line under the heading.
    subtitle: Memo<String>,
    /// The form(s).
    children: Children,
    /// Footer content ("Don't have an account? Sign up").
    #[prop(optional)]
    footer: Option<ViewFn>,
) -> impl IntoView {
    view! {
        <section class="card auth-card" aria-labelledby="auth-title">
            <div class="card-body">
                <header class="card-header">
                    <LogoMark/>
                    <h1 id="auth-title" class="card-title">{move || title.get()}</h1>
                    <p class="card-subtitle">{move || subtitle.get()}</p>
                </header>
                {children()}
            </div>
            {footer.map(|f| view! { <footer class="card-footer">{f.run()}</footer> })}
        </section>
    }
}

/// A visually hidden `aria-live` region that announces errors and status changes.
#[component]
pub fn LiveRegion(
    /// The text to announce.
    message: RwSignal<String>,
) -> impl IntoView {
    view! { <div class="sr-only" role="status" aria-live="polite" aria-atomic="true">{move || message.get()}</div> }
}

/// Links used in error remedies and footers.
#[derive(Clone, Debug)]
pub struct FlowLinks {
    /// Sign-in page (with `redirect_url` carried along).
    pub sign_in: String,
    /// Sign-up page (with `redirect_url` carried along).
    pub sign_up: String,
}

/// The links of a flow, each a memo of its own (a `Memo<FlowLinks>` would add a reactive type
/// to the wasm just for this pair).
#[derive(Clone, Copy)]
pub struct LinkMemos {
    /// The sign-in page's link.
    pub sign_in: Memo<String>,
    /// The sign-up page's link.
    pub sign_up: Memo<String>,
}

impl LinkMemos {
    /// The links now (tracked).
    pub fn get(self) -> FlowLinks {
        FlowLinks {
            sign_in: self.sign_in.get(),
            sign_up: self.sign_up.get(),
        }
    }

    /// The links now, without tracking.
    pub fn get_untracked(self) -> FlowLinks {
        untrack(|| self.get())
    }
}

fn remedy_view(remedy: Option<Remedy>, links: &FlowLinks, on_retry: Callback<()>) -> AnyView {
    match remedy {
        Some(Remedy::SignUpInstead) => view! {
            " " <a id="sign-up-instead" class="link" href=links.sign_up.clone()>"Sign up instead"</a>
        }
        .into_any(),
        Some(Remedy::SignInInstead) => view! {
            " " <a id="sign-in-instead" class="link" href=links.sign_in.clone()>"Sign in instead"</a>
        }
        .into_any(),
        Some(Remedy::Retry) => view! {
            <button type="button" id="retry" class="alert-action" on:click=move |_| on_retry.run(())>
                "Try again"
            </button>
        }
        .into_any(),
        _ => ().into_any(),
    }
}

/// The error for one field (`#identifier-error`, `#code-error`, `#username-error`), present
/// only when there is one.
#[component]
pub fn FieldError(
    /// Which field.
    field: Slot,
    /// The flow's current error.
    error: RwSignal<Option<UiError>>,
    /// Where remedy links go.
    links: FlowLinks,
) -> impl IntoView {
    let slot = field;
    let id = match slot {
        Slot::Identifier => "identifier-error",
        Slot::Code => "code-error",
        Slot::Username => "username-error",
        Slot::Form => "form-error",
    };
    move || {
        error.get().filter(|e| e.slot == slot).map(|e| {
            let remedy = remedy_view(e.remedy, &links, Callback::new(|_| ()));
            view! {
                <p id=id class="field-error">
                    <svg class="field-error-icon" viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
                        <circle cx="8" cy="8" r="7" fill="currentColor"></circle>
                        <path d="M8 4.5v4M8 11.2v.1" stroke="var(--color-on-danger)" stroke-width="1.6" stroke-linecap="round"></path>
                    </svg>
                    <span>{e.message} {remedy}</span>
                </p>
            }
        })
    }
}

/// The form-level error (`#form-error`) with its remedy (e.g. "Try again" after a network failure).
#[component]
pub fn FormError(
    /// The flow's current error.
    error: RwSignal<Option<UiError>>,
    /// Where remedy links go.
    links: FlowLinks,
    /// Repeats the failed request.
    on_retry: Callback<()>,
) -> impl IntoView {
    move || {
        error.get().filter(|e| e.slot == Slot::Form).map(|e| {
            let remedy = remedy_view(e.remedy, &links, on_retry);
            view! {
                <div id="form-error" class="alert" role="alert">
                    <svg class="alert-icon" viewBox="0 0 20 20" width="18" height="18" aria-hidden="true">
                        <path d="M10 2.5l8 14H2z" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linejoin="round"></path>
                        <path d="M10 8v3.5M10 14v.1" stroke="currentColor" stroke-width="1.6" stroke-linecap="round"></path>
                    </svg>
                    <div class="alert-body"><span>{e.message}</span> {remedy}</div>
                </div>
            }
        })
    }
}

/// A primary submit button with a pending state.
#[component]
pub fn SubmitButton(
    /// The `id`.
    id: &'static str,
    /// The label.
    label: &'static str,
    /// A request is running.
    pending: RwSignal<bool>,
) -> impl IntoView {
    view! {
        <button
            id=id
            type="submit"
            class="button button-primary"
            disabled=move || pending.get()
            aria-busy=aria_flag(pending)
        >
            <span class="button-label" class:invisible=move || pending.get()>
                {label}
                <svg class="button-arrow" viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
                    <path d="M6 4l4 4-4 4" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round"></path>
                </svg>
            </span>
            {move || pending.get().then(|| view! {
                <span class="button-spinner"><Spinner/><span class="sr-only">"Please wait"</span></span>
            })}
        </button>
    }
}

/// The identifier step: phone and/or email, per the environment, with a switch when both.
#[component]
pub fn IdentifierStep(
    /// What was typed.
    state: IdentifierState,
    /// The flow's error.
    error: RwSignal<Option<UiError>>,
    /// A request is running.
    pending: RwSignal<bool>,
    /// Error links.
    links: FlowLinks,
    /// Called once the identifier looks valid ([`IdentifierState::value`] has it).
    on_submit: Callback<()>,
) -> impl IntoView {
    let phone_ref = NodeRef::<html::Input>::new();
    let email_ref = NodeRef::<html::Input>::new();
    // Focus the field when it appears (first load, switching, coming back from the code step).
    focus_on_mount(phone_ref);
    focus_on_mount(email_ref);
    let switch_to = move |kind: IdentifierKind| {
        state.set_kind(kind);
        error.set(None);
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        match state.value() {
            Ok(_) => on_submit.run(()),
            Err(msg) => {
                error.set(Some(UiError::new(Slot::Identifier, msg)));
                let el = match untrack(|| state.kind()) {
                    IdentifierKind::Phone => phone_ref.get_untracked(),
                    IdentifierKind::Email => email_ref.get_untracked(),
                };
                if let Some(el) = el {
                    let _ = el.focus();
                }
            }
        }
    };
    let invalid =
        Memo::new(move |_| error.with(|e| e.as_ref().is_some_and(|e| e.slot == Slot::Identifier)));
    let links_field = links.clone();

    view! {
        <form id="identifier-form" class="form" novalidate=true on:submit=submit>
            <div class="field">
                {move || match state.kind() {
                    IdentifierKind::Phone => view! {
                        <div class="field-label-row">
                            <label for="phone-number" class="label">"Phone number"</label>
                            {move || state.allowed().both().then(|| view! {
                                <button type="button" id="use-email" class="link-button" on:click=move |_| switch_to(IdentifierKind::Email)>
                                    "Use email instead"
                                </button>
                            })}
                        </div>
                        <PhoneInput country=state.country digits=state.digits invalid=invalid node_ref=phone_ref/>
                    }.into_any(),
                    IdentifierKind::Email => view! {
                        <div class="field-label-row">
                            <label for="email-address" class="label">"Email address"</label>
                            {move || state.allowed().both().then(|| view! {
                                <button type="button" id="use-phone" class="link-button" on:click=move |_| switch_to(IdentifierKind::Phone)>
                                    "Use phone instead"
                                </button>
                            })}
                        </div>
                        <input
                            id="email-address"
                            name="email_address"
                            class="input"
                            type="email"
                            inputmode="email"
                            autocomplete="email"
                            autocapitalize="none"
                            spellcheck="false"
                            required=true
                            placeholder="you@example.com"
                            aria-invalid=aria_flag(invalid)
                            aria-describedby=described_by(invalid, "identifier-error")
                            prop:value=move || state.email.get()
                            on:input:target=move |ev| state.email.set(ev.target().value())
                            node_ref=email_ref
                        />
                    }.into_any(),
                }}
                <FieldError field=Slot::Identifier error=error links=links_field/>
            </div>
            <SubmitButton id="identifier-submit" label="Continue" pending=pending/>
        </form>
    }
}

/// The code step: identity preview with an edit button, the six-slot input, resend with a
/// countdown, and a switch to the other identifier kind.
#[component]
pub fn CodeStep(
    /// What the code was sent to (display form).
    sent_to: RwSignal<String>,
    /// Phone or email (for wording).
    kind: RwSignal<IdentifierKind>,
    /// What was typed, and what is offered (for "Use email instead").
    state: IdentifierState,
    /// The typed code.
    code: RwSignal<String>,
    /// The flow's error.
    error: RwSignal<Option<UiError>>,
    /// A request is running.
    pending: RwSignal<bool>,
    /// Error links.
    links: FlowLinks,
    /// When the last code was sent (ms since epoch); the countdown runs from here.
    sent_at: RwSignal<f64>,
    /// Submits the code.
    on_submit: Callback<String>,
    /// Sends a new code.
    on_resend: Callback<()>,
    /// Goes back to the identifier step (after "Use email instead" the step has switched kind).
    on_back: Callback<()>,
    /// The code input (focus after errors).
    code_ref: NodeRef<html::Input>,
) -> impl IntoView {
    // Focus the code input as soon as it appears.
    focus_on_mount(code_ref);
    let now = RwSignal::new(now_ms());
    #[cfg(target_arch = "wasm32")]
    {
        let handle = set_interval_with_handle(
            move || {
                now.try_set(now_ms());
            },
            std::time::Duration::from_millis(250),
        )
        .ok();
        on_cleanup(move || {
            if let Some(h) = handle {
                h.clear();
            }
        });
    }
    let auth = crate::auth::use_auth();
    let remaining = move || {
        let left = auth.cooldown() as f64 - (now.get() - sent_at.get()) / 1000.0;
        if left <= 0.0 { 0 } else { left.ceil() as u32 }
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let c = code.get_untracked();
        if crate::code::is_complete(&c) {
            on_submit.run(c);
        } else {
            error.set(Some(UiError::new(Slot::Code, "Enter the 6-digit code.")));
            if let Some(el) = code_ref.get_untracked() {
                let _ = el.focus();
            }
        }
    };
    let invalid =
        Memo::new(move |_| error.with(|e| e.as_ref().is_some_and(|e| e.slot == Slot::Code)));
    let clear_code_error = Callback::new(move |_: String| {
        if error.with_untracked(|e| e.as_ref().is_some_and(|e| e.slot == Slot::Code)) {
            error.set(None);
        }
    });
    let other = move || match kind.get() {
        IdentifierKind::Phone => IdentifierKind::Email,
        IdentifierKind::Email => IdentifierKind::Phone,
    };

    view! {
        <div class="identity">
            <span class="identity-text">{move || sent_to.get()}</span>
            <button
                type="button"
                id="edit-identifier"
                class="icon-button"
                title=move || format!("Edit {}", kind.get().noun())
                on:click=move |_| on_back.run(())
            >
                <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
                    <path d="M11.2 2.8l2 2L6 12H4v-2z" fill="none" stroke="currentColor" stroke-width="1.4" stroke-linejoin="round"></path>
                </svg>
                <span class="sr-only">{move || format!("Edit {}", kind.get().noun())}</span>
            </button>
        </div>
        <form id="code-form" class="form" novalidate=true on:submit=submit>
            <div class="field">
                <label for="code" class="label label-center">"Verification code"</label>
                <OtpInput
                    value=code
                    on_complete=on_submit
                    on_change=clear_code_error
                    busy=pending
                    invalid=invalid
                    node_ref=code_ref
                />
                <p id="code-help" class="sr-only">{move || format!("Enter the 6-digit code sent to {}", sent_to.get())}</p>
                <div class="center-row"><FieldError field=Slot::Code error=error links=links.clone()/></div>
            </div>
            <p class="resend">
                <span class="muted">"Didn't receive a code? "</span>
                <button
                    type="button"
                    id="resend-code"
                    class="link-button"
                    disabled=move || { remaining() > 0 || pending.get() }
                    on:click=move |_| on_resend.run(())
                >
                    {move || match remaining() {
                        0 => "Resend code".to_string(),
                        n => format!("Resend code ({n})"),
                    }}
                </button>
            </p>
            <SubmitButton id="code-submit" label="Continue" pending=pending/>
            {move || state.allowed().both().then(|| view! {
                <p class="alt-method">
                    <button type="button" id="use-other-method" class="link-button muted-link" on:click=move |_| {
                        state.set_kind(other());
                        on_back.run(());
                    }>
                        {move || match other() {
                            IdentifierKind::Email => "Use email instead".to_string(),
                            IdentifierKind::Phone => "Use phone instead".to_string(),
                        }}
                    </button>
                </p>
            })}
        </form>
    }
}

/// The username step of a sign-up (when the instance requires one).
#[component]
pub fn UsernameStep(
    /// The typed username.
    username: RwSignal<String>,
    /// The flow's error.
    error: RwSignal<Option<UiError>>,
    /// A request is running.
    pending: RwSignal<bool>,
    /// Error links.
    links: FlowLinks,
    /// Submits the username.
    on_submit: Callback<String>,
) -> impl IntoView {
    let input_ref = NodeRef::<html::Input>::new();
    focus_on_mount(input_ref);
    let invalid =
        Memo::new(move |_| error.with(|e| e.as_ref().is_some_and(|e| e.slot == Slot::Username)));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        match crate::validate::check_username(&username.get_untracked()) {
            Ok(u) => on_submit.run(u),
            Err(msg) => {
                error.set(Some(UiError::new(Slot::Username, msg)));
                if let Some(el) = input_ref.get_untracked() {
                    let _ = el.focus();
                }
            }
        }
    };
    view! {
        <form id="username-form" class="form" novalidate=true on:submit=submit>
            <div class="field">
                <label for="username" class="label">"Username"</label>
                <input
                    id="username"
                    name="username"
                    class="input"
                    type="text"
                    autocomplete="username"
                    autocapitalize="none"
                    spellcheck="false"
                    required=true
                    minlength="4"
                    maxlength="64"
                    aria-invalid=aria_flag(invalid)
                    aria-describedby=described_by(invalid, "username-error")
                    prop:value=move || username.get()
                    on:input:target=move |ev| username.set(ev.target().value())
                    node_ref=input_ref
                />
                <FieldError field=Slot::Username error=error links=links/>
            </div>
            <SubmitButton id="username-submit" label="Continue" pending=pending/>
        </form>
    }
}

/// The resend cooldown the environment announces (`display_config.resend_cooldown_seconds`),
/// else [`RESEND_SECONDS`].
pub fn cooldown_of(env: Option<&onetime_protocol::slim::Environment>) -> u32 {
    env.and_then(|e| e.display_config.resend_cooldown_seconds)
        .map(|s| s.min(3600) as u32)
        .unwrap_or(RESEND_SECONDS)
}

/// The `sent_at` that makes the countdown show `wait` seconds left (after a 429 on resend).
pub fn sent_at_for_wait(now: f64, cooldown: u32, wait: u64) -> f64 {
    now - (f64::from(cooldown) - wait.min(3600) as f64) * 1000.0
}

/// A flow's step function as a [`Runner`] keeps it: one boxed future type for every flow.
type StepFn<Op> = Box<dyn Fn(Runner<Op>, Op) -> Pin<Box<dyn Future<Output = ()>>>>;

/// What a [`Runner`] keeps: the step function and the last operation, for "Try again".
struct RunnerState<Op: 'static> {
    step: StepFn<Op>,
    last: RefCell<Option<Op>>,
}

/// Runs a flow's steps one at a time, like a local `Action` without its value bookkeeping (the
/// steps report through the flow's signals): [`Runner::pending`] is true while a step runs, and
/// [`Runner::run`] ignores another step meanwhile, so nothing is submitted twice. It remembers
/// the last operation so a failed one can be retried ([`Runner::retry`]).
pub struct Runner<Op: 'static> {
    pending: RwSignal<bool>,
    state: StoredValue<Rc<RunnerState<Op>>, LocalStorage>,
}

impl<Op: 'static> Clone for Runner<Op> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<Op: 'static> Copy for Runner<Op> {}

impl<Op: Clone + 'static> Runner<Op> {
    /// A runner for `step`, which performs one operation of the flow (and gets the runner, to
    /// [`Runner::remember`] where it got to).
    pub fn new<Fut: Future<Output = ()> + 'static>(
        step: impl Fn(Runner<Op>, Op) -> Fut + 'static,
    ) -> Self {
        let state = RunnerState {
            step: Box::new(move |runner, op| Box::pin(step(runner, op))),
            last: RefCell::new(None),
        };
        Self {
            pending: RwSignal::new(false),
            state: StoredValue::new_local(Rc::new(state)),
        }
    }

    /// True while a step runs (drives the buttons' pending state).
    pub fn pending(self) -> RwSignal<bool> {
        self.pending
    }

    /// Starts `op` unless a step is already running (or the flow is gone), and remembers it.
    pub fn run(self, op: Op) {
        if self.pending.get_untracked() {
            return;
        }
        let Some(state) = self.state.try_get_value() else {
            return;
        };
        self.remember(op.clone());
        self.pending.set(true);
        let pending = self.pending;
        wasm_bindgen_futures::spawn_local(async move {
            (state.step)(self, op).await;
            pending.try_set(false);
        });
    }

    /// Makes `op` the one [`Runner::retry`] repeats (a step that moved on to another operation).
    pub fn remember(self, op: Op) {
        if let Some(state) = self.state.try_get_value() {
            *state.last.borrow_mut() = Some(op);
        }
    }

    /// Runs the last operation again (after a network failure).
    pub fn retry(self) {
        let last = self
            .state
            .try_get_value()
            .and_then(|state| state.last.borrow().clone());
        if let Some(op) = last {
            self.run(op);
        }
    }
}

/// The code step's state both flows share, so "Resend code" is handled in one place.
#[derive(Clone, Copy)]
pub struct CodeSignals {
    /// What the person typed into the code input.
    pub code: RwSignal<String>,
    /// The error shown next to a field or above the form.
    pub error: RwSignal<Option<UiError>>,
    /// The text announced through the live region.
    pub status: RwSignal<String>,
    /// Where the code went, as shown to the person.
    pub sent_to: RwSignal<String>,
    /// When the last code went out (ms); drives the resend countdown.
    pub sent_at: RwSignal<f64>,
    /// The code input, refocused after a resend.
    pub code_ref: NodeRef<html::Input>,
}

impl CodeSignals {
    /// The first code went out to `value` (E.164 or email): show where, start the countdown
    /// and announce it. The flow then switches to its code step.
    pub fn code_sent(self, kind: IdentifierKind, value: &str) {
        self.sent_to.set(match kind {
            IdentifierKind::Phone => crate::phone::display_e164(value),
            IdentifierKind::Email => value.to_string(),
        });
        self.went_out("a verification code");
    }

    /// A code (`what`) went out to `sent_to`: clear the input, (re)start the countdown and
    /// announce it.
    fn went_out(self, what: &str) {
        self.code.set(String::new());
        self.error.set(None);
        self.sent_at.set(now_ms());
        self.status.set(format!(
            "We sent {what} to {}.",
            self.sent_to.get_untracked()
        ));
    }

    /// Shows a failed request where it belongs: next to the code (cleared and refocused for a
    /// new try), the identifier, or above the form; and announces it.
    pub fn fail(self, e: &crate::api::Error, kind: IdentifierKind) {
        let ui = crate::messages::describe(e, kind);
        if ui.slot == Slot::Code {
            self.code.set(String::new());
            if let Some(el) = self.code_ref.get_untracked() {
                let _ = el.focus();
            }
        }
        self.status.set(ui.message.clone());
        self.error.set(Some(ui));
    }

    /// A new code went out: clear the input, restart the countdown, announce it, refocus.
    pub fn resent(self) {
        self.went_out("a new code");
        if let Some(el) = self.code_ref.get_untracked() {
            let _ = el.focus();
        }
    }

    /// A resend was refused: a `Retry-After` restarts the countdown (of `cooldown` seconds)
    /// with the seconds it names.
    pub fn resend_refused(self, e: &crate::api::Error, cooldown: u32) {
        if let crate::api::Error::Api {
            retry_after: Some(wait),
            ..
        } = e
        {
            self.sent_at
                .set(sent_at_for_wait(now_ms(), cooldown, *wait));
        }
    }
}

/// Milliseconds since the epoch (0 off the browser).
pub fn now_ms() -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::Date::now()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        0.0
    }
}

/// A loading card shown while the environment and client load.
#[component]
pub fn LoadingCard() -> impl IntoView {
    view! {
        <section class="card auth-card loading-card" aria-busy="true">
            <div class="card-body center">
                <Spinner/>
                <p class="muted">"Loading…"</p>
            </div>
        </section>
    }
}

/// What an auth card shows before its steps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gate {
    /// Already signed in: go to this path (the guard of `/sign-in` and `/sign-up`).
    Redirect(String),
    /// Environment or client still loading.
    Loading,
    /// The environment could not be loaded.
    EnvError,
    /// Show the flow.
    Ready,
}

/// The gate of an auth card, as a memo so the card re-renders only when it changes.
pub fn gate(auth: crate::auth::Auth, target: Memo<String>) -> Memo<Gate> {
    Memo::new(move |_| {
        if auth.is_signed_in() && !auth.finishing.get() {
            Gate::Redirect(target.get())
        } else if !auth.is_loaded() {
            Gate::Loading
        } else if !auth.has_env() {
            Gate::EnvError
        } else {
            Gate::Ready
        }
    })
}

/// Activates the finished attempt's session, announces `done` and goes to `target`; on failure
/// returns the error (the flow shows it). Shared by both flows' last step.
pub async fn activate(
    auth: crate::auth::Auth,
    session_id: &str,
    signals: CodeSignals,
    done: &'static str,
    target: Memo<String>,
    navigate: &dyn Fn(&str, leptos_router::NavigateOptions),
) -> Result<(), crate::api::Error> {
    match auth.set_active(session_id).await {
        Ok(_) => {
            signals.status.set(done.into());
            navigate(&target.get_untracked(), Default::default());
            // Let the route change land before guards may react again.
            gloo_timers::future::TimeoutFuture::new(100).await;
            auth.finishing.try_set(false);
            Ok(())
        }
        Err(e) => {
            auth.finishing.set(false);
            Err(e)
        }
    }
}

/// What both auth cards look like around their steps: the gate (redirect when signed in, a
/// loading card, the environment error), then the card with its live region, the form-level
/// error and a footer link to the other flow.
#[component]
pub fn FlowShell(
    /// Which of the gate's states to show.
    gate: Memo<Gate>,
    /// Heading.
    title: Memo<String>,
    /// Line under the heading.
    subtitle: Memo<String>,
    /// Footer text before the link ("Don't have an account? ").
    footer_text: &'static str,
    /// Footer link label ("Sign up").
    footer_label: &'static str,
    /// Footer link target.
    footer_href: Memo<String>,
    /// The flow's announcements.
    status: RwSignal<String>,
    /// The flow's error.
    error: RwSignal<Option<UiError>>,
    /// Links for error remedies.
    links: LinkMemos,
    /// Repeats the failed request.
    on_retry: Callback<()>,
    /// The current step.
    children: ChildrenFn,
) -> impl IntoView {
    move || {
        match gate.get() {
            Gate::Redirect(path) => {
                crate::components::guards::redirect(&path);
                return ().into_any();
            }
            Gate::Loading => return view! { <LoadingCard/> }.into_any(),
            Gate::EnvError => {
                return view! { <crate::components::status::EnvironmentError/> }.into_any();
            }
            Gate::Ready => {}
        }
        let children = children.clone();
        view! {
            <AuthCard
                title=title
                subtitle=subtitle
                footer=ViewFn::from(move || view! {
                    <span class="muted">{footer_text}</span>
                    <a class="link" href=move || footer_href.get()>{footer_label}</a>
                })
            >
                <LiveRegion message=status/>
                <FormError error=error links=links.get_untracked() on_retry=on_retry/>
                {children()}
            </AuthCard>
        }
        .into_any()
    }
}
