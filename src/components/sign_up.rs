//! `<SignUp/>`: phone or email → code → (username) → session, like Clerk's passwordless
//! sign-up guide, switching on a `verifying` state.

use crate::router::{use_navigate, use_query_map};
use leptos::html;
use leptos::prelude::*;
use onetime_protocol::SignUpStatus;
use onetime_protocol::slim::SignUp as SignUpResource;

use crate::api::SignUpParams;
use crate::auth::{needs_username, use_auth, use_sign_up};
use crate::components::card::{FlowShell, gate};
use crate::components::code_signals::CodeSignals;
use crate::components::code_step::CodeStep;
use crate::components::errors::LinkMemos;
use crate::components::identifier_state::IdentifierState;
use crate::components::identifier_step::IdentifierStep;
use crate::components::runner::Runner;
use crate::components::username_step::UsernameStep;
use crate::identifier::IdentifierKind;
use crate::messages::{Slot, UiError};
use crate::redirect::{safe_redirect, with_params, with_redirect};

/// Where the sign-up is: one value instead of the guides' `verifying` flag plus a second one
/// for the username.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Identifier,
    /// `verifying` in the guides.
    Code,
    Username,
}

/// One request (or pair of requests) of the flow; the last one is kept for "Try again".
#[derive(Debug, Clone, PartialEq, Eq)]
enum Op {
    Start(IdentifierKind, String),
    Resend,
    Verify(String),
    Username(String),
    Activate(String),
}

/// The page origin, for accepting same-origin absolute `redirect_url`s.
pub(crate) fn origin() -> String {
    #[cfg(target_arch = "wasm32")]
    {
        web_sys::window()
            .and_then(|w| w.location().origin().ok())
            .unwrap_or_default()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        String::new()
    }
}

/// The passwordless sign-up card. Needs an [`AuthProvider`](crate::auth::AuthProvider) and a
/// `<Router>` above it. After success it activates the session and goes to `redirect_url`
/// (same-origin paths only) or `/`.
#[component]
pub fn SignUp(
    /// Path of the sign-in page (for "Sign in instead").
    #[prop(optional, into)]
    sign_in_url: Option<String>,
) -> impl IntoView {
    let auth = use_auth();
    let sign_up = use_sign_up();
    let query = use_query_map();
    let redirect_raw = move || query.with(|q| q.get("redirect_url"));
    let target = Memo::new(move |_| safe_redirect(redirect_raw().as_deref(), &origin()));
    let sign_in_base = sign_in_url.unwrap_or_else(|| "/sign-in".to_string());
    let submitted = RwSignal::new(String::new());
    let links = LinkMemos {
        sign_up: Memo::new(move |_| with_redirect("/sign-up", redirect_raw().as_deref())),
        sign_in: Memo::new(move |_| {
            let id = submitted.get();
            with_params(
                &sign_in_base,
                &[
                    ("redirect_url", redirect_raw().as_deref()),
                    ("identifier", Some(id.as_str())),
                ],
            )
        }),
    };

    let app_name = move || auth.app_name();

    let step = RwSignal::new(Step::Identifier);
    let state = IdentifierState::new(auth, false);
    // "Sign in instead" / "Sign up instead" carry what was typed.
    if let Some(id) = query.with_untracked(|q| q.get("identifier")) {
        state.prefill(&id);
    }
    let code = RwSignal::new(String::new());
    let username = RwSignal::new(String::new());
    let error = RwSignal::new(None::<UiError>);
    let status = RwSignal::new(String::new());
    let sent_kind = RwSignal::new(IdentifierKind::Phone);
    let sent_to = Memo::new(move |_| {
        let kind = sent_kind.get();
        let value = sign_up.sign_up().and_then(|s| match kind {
            IdentifierKind::Phone => s.phone_number,
            IdentifierKind::Email => s.email_address,
        });
        kind.display(value.as_deref().unwrap_or_default())
    });
    let sent_at = RwSignal::new(0.0_f64);
    let code_ref = NodeRef::<html::Input>::new();
    let code_signals = CodeSignals {
        code,
        error,
        status,
        sent_to,
        sent_at,
        code_ref,
    };
    let navigate = use_navigate();

    let fail = move |e: &crate::api::Error| code_signals.fail(e, sent_kind.get_untracked());

    let runner = Runner::new(move |runner: Runner<Op>, op: Op| {
        let navigate = navigate.clone();
        async move {
            // After a completed step, what comes next.
            let after = move |s: &SignUpResource| -> Option<Op> {
                match s.status {
                    SignUpStatus::Complete => s.created_session_id.clone().map(Op::Activate),
                    _ if needs_username(s) && s.unverified_fields.is_empty() => {
                        step.set(Step::Username);
                        status.set("Choose a username to finish.".into());
                        None
                    }
                    _ => {
                        let missing = s.missing_fields.join(", ");
                        error.set(Some(UiError::new(
                            Slot::Form,
                            format!("Your account needs more information ({missing}). Please contact support."),
                        )));
                        None
                    }
                }
            };
            let mut next = Some(op);
            while let Some(op) = next.take() {
                match op {
                    Op::Start(kind, value) => {
                        sent_kind.set(kind);
                        let params = match kind {
                            IdentifierKind::Phone => SignUpParams {
                                phone_number: Some(value.clone()),
                                ..Default::default()
                            },
                            IdentifierKind::Email => SignUpParams {
                                email_address: Some(value.clone()),
                                ..Default::default()
                            },
                        };
                        let created = sign_up.create(&params).await;
                        let prepared = match created {
                            Ok(_) => sign_up.prepare_verification(kind.strategy()).await,
                            Err(e) => Err(e),
                        };
                        match prepared {
                            Ok(_) => {
                                code_signals.code_sent();
                                step.set(Step::Code);
                            }
                            Err(e) => fail(&e),
                        }
                    }
                    Op::Resend => match sign_up
                        .prepare_verification(sent_kind.get_untracked().strategy())
                        .await
                    {
                        Ok(_) => code_signals.resent(),
                        Err(e) => {
                            code_signals.resend_refused(&e, auth.cooldown());
                            fail(&e);
                        }
                    },
                    Op::Verify(c) => {
                        match sign_up
                            .attempt_verification(sent_kind.get_untracked().strategy(), &c)
                            .await
                        {
                            Ok(s) => next = after(&s),
                            Err(e) => fail(&e),
                        }
                    }
                    Op::Username(name) => {
                        let params = SignUpParams {
                            username: Some(name),
                            ..Default::default()
                        };
                        match sign_up.update(&params).await {
                            Ok(s) => next = after(&s),
                            Err(e) => fail(&e),
                        }
                    }
                    Op::Activate(sid) => {
                        runner.remember(Op::Activate(sid.clone()));
                        let to = target.get_untracked();
                        match auth.activate(&sid, &to, &navigate).await {
                            Ok(()) => {
                                status.try_set("Signed up.".into());
                            }
                            Err(e) => fail(&e),
                        }
                    }
                }
            }
        }
    });
    let pending = runner.pending();
    let run = move |op: Op| runner.run(op);
    let on_identifier = Callback::new(move |_| {
        let Ok((kind, value)) = state.value() else {
            return;
        };
        error.set(None);
        submitted.set(value.clone());
        run(Op::Start(kind, value));
    });
    let on_code = Callback::new(move |c: String| run(Op::Verify(c)));
    let on_resend = Callback::new(move |_| run(Op::Resend));
    let on_username = Callback::new(move |u: String| {
        error.set(None);
        run(Op::Username(u));
    });
    let on_back = Callback::new(move |_| {
        error.set(None);
        code.set(String::new());
        step.set(Step::Identifier);
    });
    let on_retry = Callback::new(move |_| {
        error.set(None);
        runner.retry();
    });

    let title = Memo::new(move |_| match step.get() {
        Step::Identifier => "Create your account".to_string(),
        Step::Code => match sent_kind.get() {
            IdentifierKind::Phone => "Verify your phone number".to_string(),
            IdentifierKind::Email => "Verify your email".to_string(),
        },
        Step::Username => "Choose a username".to_string(),
    });
    let subtitle = Memo::new(move |_| match step.get() {
        Step::Identifier => format!("Welcome! Sign up to continue to {}.", app_name()),
        Step::Code => format!("Enter the {}-digit code we just sent", auth.code_length()),
        Step::Username => "One last step to finish creating your account.".to_string(),
    });

    view! {
        <FlowShell
            gate=gate(auth, target)
            title=title
            subtitle=subtitle
            footer_text="Already have an account? "
            footer_label="Sign in"
            footer_href=links.sign_in
            status=status
            error=error
            links=links
            on_retry=on_retry
        >
                {move || {
                    let links_now = links.get();
                    match step.get() {
                        Step::Identifier if state.allowed().none() => view! {
                            <p class="muted center">"Sign-up is not available right now."</p>
                        }.into_any(),
                        Step::Identifier => view! {
                            <IdentifierStep
                                state=state
                                error=error
                                pending=pending
                                links=links_now
                                on_submit=on_identifier
                            />
                        }.into_any(),
                        Step::Code => view! {
                            <CodeStep
                                signals=code_signals
                                state=state
                                kind=sent_kind
                                pending=pending
                                links=links_now
                                on_submit=on_code
                                on_resend=on_resend
                                on_back=on_back
                            />
                        }.into_any(),
                        Step::Username => view! {
                            <UsernameStep
                                username=username
                                error=error
                                pending=pending
                                links=links_now
                                on_submit=on_username
                            />
                        }.into_any(),
                    }
                }}
        </FlowShell>
    }
}
