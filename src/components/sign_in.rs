//! `<SignIn/>`: phone or email → code → session, like Clerk's passwordless sign-in guide.

use crate::router::{use_navigate, use_query_map};
use leptos::html;
use leptos::prelude::*;
use onetime_protocol::SignInStatus;
use onetime_protocol::slim::SignIn as SignInResource;

use crate::api::FirstFactor;
use crate::auth::{use_auth, use_sign_in};
use crate::components::card::{FlowShell, gate};
use crate::components::code_signals::CodeSignals;
use crate::components::code_step::CodeStep;
use crate::components::errors::LinkMemos;
use crate::components::identifier_state::IdentifierState;
use crate::components::identifier_step::IdentifierStep;
use crate::components::runner::Runner;
use crate::components::sign_up::origin;
use crate::identifier::IdentifierKind;
use crate::messages::{Slot, UiError};
use crate::redirect::{safe_redirect, with_params, with_redirect};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Op {
    Start(IdentifierKind, String),
    Resend,
    Verify(String),
    Activate(String),
}

/// The passwordless sign-in card. Needs an [`AuthProvider`](crate::auth::AuthProvider) and a
/// `<Router>` above it. After success it activates the session and goes to `redirect_url`
/// (same-origin paths only) or `/`.
#[component]
pub fn SignIn(
    /// Path of the sign-up page (for "Sign up instead").
    #[prop(optional, into)]
    sign_up_url: Option<String>,
) -> impl IntoView {
    let auth = use_auth();
    let sign_in = use_sign_in();
    let query = use_query_map();
    let redirect_raw = move || query.with(|q| q.get("redirect_url"));
    let target = Memo::new(move |_| safe_redirect(redirect_raw().as_deref(), &origin()));
    let sign_up_base = sign_up_url.unwrap_or_else(|| "/sign-up".to_string());
    let submitted = RwSignal::new(String::new());
    let links = LinkMemos {
        sign_in: Memo::new(move |_| with_redirect("/sign-in", redirect_raw().as_deref())),
        sign_up: Memo::new(move |_| {
            let id = submitted.get();
            with_params(
                &sign_up_base,
                &[
                    ("redirect_url", redirect_raw().as_deref()),
                    ("identifier", Some(id.as_str())),
                ],
            )
        }),
    };
    let app_name = move || auth.app_name();

    let verifying = RwSignal::new(false);
    let state = IdentifierState::new(auth, true);
    // "Sign in instead" / "Sign up instead" carry what was typed.
    if let Some(id) = query.with_untracked(|q| q.get("identifier")) {
        state.prefill(&id);
    }
    let code = RwSignal::new(String::new());
    let error = RwSignal::new(None::<UiError>);
    let status = RwSignal::new(String::new());
    let sent_kind = RwSignal::new(IdentifierKind::Phone);
    let sent_to = Memo::new(move |_| {
        let identifier = sign_in.sign_in().and_then(|s| s.identifier);
        sent_kind
            .get()
            .display(identifier.as_deref().unwrap_or_default())
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
    let after = move |s: &SignInResource| -> Option<Op> {
        if s.status == SignInStatus::Complete {
            s.created_session_id.clone().map(Op::Activate)
        } else {
            error.set(Some(UiError::new(
                Slot::Form,
                "This account needs another verification step that is not supported here.",
            )));
            None
        }
    };

    let runner = Runner::new(move |runner: Runner<Op>, op: Op| {
        let navigate = navigate.clone();
        async move {
            let mut next = Some(op);
            while let Some(op) = next.take() {
                match op {
                    Op::Start(kind, identifier) => {
                        sent_kind.set(kind);
                        let created = sign_in.create(&identifier).await;
                        let prepared = match created {
                            Ok(si) if si.status == SignInStatus::Complete => {
                                next = after(&si);
                                continue;
                            }
                            Ok(si) => match FirstFactor::select(&si, kind.strategy()) {
                                Some(f) => sign_in.prepare_first_factor(&f).await,
                                None => {
                                    error.set(Some(UiError::new(
                                        Slot::Identifier,
                                        format!(
                                            "This account can't sign in with a {} code.",
                                            kind.noun()
                                        ),
                                    )));
                                    continue;
                                }
                            },
                            Err(e) => Err(e),
                        };
                        match prepared {
                            Ok(_) => {
                                code_signals.code_sent();
                                verifying.set(true);
                            }
                            Err(e) => fail(&e),
                        }
                    }
                    Op::Resend => {
                        // The factor again, from the sign-in the client state carries.
                        let strategy = sent_kind.get_untracked().strategy();
                        let factor = sign_in
                            .sign_in()
                            .and_then(|si| FirstFactor::select(&si, strategy));
                        let Some(f) = factor else {
                            continue;
                        };
                        match sign_in.prepare_first_factor(&f).await {
                            Ok(_) => code_signals.resent(),
                            Err(e) => {
                                code_signals.resend_refused(&e, auth.cooldown());
                                fail(&e);
                            }
                        }
                    }
                    Op::Verify(c) => {
                        match sign_in
                            .attempt_first_factor(sent_kind.get_untracked().strategy(), &c)
                            .await
                        {
                            Ok(s) => next = after(&s),
                            Err(e) => fail(&e),
                        }
                    }
                    Op::Activate(sid) => {
                        runner.remember(Op::Activate(sid.clone()));
                        let to = target.get_untracked();
                        match auth.activate(&sid, &to, &navigate).await {
                            Ok(()) => {
                                status.try_set("Signed in.".into());
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
    let on_back = Callback::new(move |_| {
        error.set(None);
        code.set(String::new());
        verifying.set(false);
    });
    let on_retry = Callback::new(move |_| {
        error.set(None);
        runner.retry();
    });

    let title = Memo::new(move |_| {
        if !verifying.get() {
            format!("Sign in to {}", app_name())
        } else {
            match sent_kind.get() {
                IdentifierKind::Phone => "Check your phone".to_string(),
                IdentifierKind::Email => "Check your email".to_string(),
            }
        }
    });
    let subtitle = Memo::new(move |_| {
        if !verifying.get() {
            "Welcome back! Please sign in to continue.".to_string()
        } else {
            format!(
                "Enter the {}-digit code to continue to {}",
                auth.code_length(),
                app_name()
            )
        }
    });

    view! {
        <FlowShell
            gate=gate(auth, target)
            title=title
            subtitle=subtitle
            footer_text="Don't have an account? "
            footer_label="Sign up"
            footer_href=links.sign_up
            status=status
            error=error
            links=links
            on_retry=on_retry
        >
                {move || {
                    let links_now = links.get();
                    if verifying.get() {
                        view! {
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
                        }.into_any()
                    } else if state.allowed().none() {
                        view! { <p class="muted center">"Sign-in is not available right now."</p> }.into_any()
                    } else {
                        view! {
                            <IdentifierStep
                                state=state
                                error=error
                                pending=pending
                                links=links_now
                                on_submit=on_identifier
                            />
                        }.into_any()
                    }
                }}
        </FlowShell>
    }
}
