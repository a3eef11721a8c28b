//! Adding a phone number or email address on the account page: the same identifier and code
//! steps as sign-in, against `/v1/me/{phone_numbers,email_addresses}`.

use leptos::html;
use leptos::prelude::*;

use crate::auth::use_auth;
use crate::components::code_signals::CodeSignals;
use crate::components::code_step::CodeStep;
use crate::components::errors::{FlowLinks, FormError};
use crate::components::identifier_state::IdentifierState;
use crate::components::identifier_step::IdentifierStep;
use crate::components::runner::Runner;
use crate::identifier::IdentifierKind;
use crate::messages::{UiError, describe_account};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Op {
    /// Add the typed identifier and send it a code.
    Start(String),
    /// Send a code to an identifier added before but never verified (its id and value).
    VerifyExisting(String, String),
    /// Send another code to the identifier being added.
    Resend,
    /// Check the code.
    Verify(String),
}

/// The add form for one kind. The identifier is created unverified, gets a code, and joins the
/// user once the code checks out; the answer's client then lists it. `on_done` closes the form
/// (after success or "Cancel"). With `existing`, an identifier added before but left
/// unverified gets a code right away (the form starts at the code step).
#[component]
pub fn AddIdentifier(
    /// Phone number or email address.
    kind: IdentifierKind,
    /// An unverified identifier of the user's to verify (id and value) instead of a new one.
    existing: Option<(String, String)>,
    /// Closes the form; `Some(what)` after the identifier was added (for the announcement).
    on_done: Callback<Option<String>>,
) -> impl IntoView {
    let auth = use_auth();
    let verifying_existing = existing.is_some();
    let state = IdentifierState::only(auth, kind);
    let kind_signal = RwSignal::new(kind);
    // The identifier being verified (its id and value); `None` on the identifier step.
    let adding = RwSignal::new(None::<(String, String)>);
    let code = RwSignal::new(String::new());
    let error = RwSignal::new(None::<UiError>);
    let status = RwSignal::new(String::new());
    let sent_to = Memo::new(move |_| {
        adding.with(|a| {
            a.as_ref()
                .map(|(_, value)| kind.display(value))
                .unwrap_or_default()
        })
    });
    let signals = CodeSignals {
        code,
        error,
        status,
        sent_to,
        sent_at: RwSignal::new(0.0),
        code_ref: NodeRef::<html::Input>::new(),
    };
    let fail = move |e: &crate::api::Error| signals.show(describe_account(e, kind));
    let adding_id = move || adding.with_untracked(|a| a.as_ref().map(|(id, _)| id.clone()));

    let runner = Runner::new(move |_runner: Runner<Op>, op: Op| async move {
        let api = auth.api();
        let me = api.me();
        match op {
            Op::Start(value) => {
                let added = match me.add(kind, &value).await {
                    Ok(added) => added,
                    Err(e) => return fail(&e),
                };
                match me.prepare_verification(kind, &added.id).await {
                    Ok(_) => {
                        adding.set(Some((added.id, value)));
                        signals.code_sent();
                    }
                    Err(e) => fail(&e),
                }
            }
            Op::VerifyExisting(id, value) => match me.prepare_verification(kind, &id).await {
                Ok(_) => {
                    adding.set(Some((id, value)));
                    signals.code_sent();
                }
                // A code went out moments ago (the resend cooldown): it is still good, so the
                // code step opens with the countdown instead of an error.
                Err(e @ crate::api::Error::Api { status: 429, .. }) => {
                    adding.set(Some((id, value)));
                    signals.resend_refused(&e, auth.cooldown());
                }
                Err(e) => fail(&e),
            },
            Op::Resend => {
                let Some(id) = adding_id() else { return };
                match me.prepare_verification(kind, &id).await {
                    Ok(_) => signals.resent(),
                    Err(e) => {
                        signals.resend_refused(&e, auth.cooldown());
                        fail(&e);
                    }
                }
            }
            Op::Verify(c) => {
                let Some(id) = adding_id() else { return };
                match me.attempt_verification(kind, &id, &c).await {
                    Ok(_) => on_done.run(Some(sent_to.get_untracked())),
                    Err(e) => fail(&e),
                }
            }
        }
    });
    let pending = runner.pending();
    if let Some((id, value)) = existing {
        runner.run(Op::VerifyExisting(id, value));
    }
    let on_identifier = Callback::new(move |_| {
        if let Ok((_, value)) = state.value() {
            error.set(None);
            runner.run(Op::Start(value));
        }
    });
    let on_code = Callback::new(move |c: String| runner.run(Op::Verify(c)));
    let on_resend = Callback::new(move |_| runner.run(Op::Resend));
    let on_back = Callback::new(move |_| {
        error.set(None);
        code.set(String::new());
        adding.set(None);
    });
    let on_retry = Callback::new(move |_| {
        error.set(None);
        runner.retry();
    });
    let links = FlowLinks::none();
    let title = match (kind, verifying_existing) {
        (IdentifierKind::Phone, false) => "Add a phone number",
        (IdentifierKind::Email, false) => "Add an email address",
        (IdentifierKind::Phone, true) => "Verify your phone number",
        (IdentifierKind::Email, true) => "Verify your email address",
    };
    let cancel = move |_| on_done.run(None);
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            on_done.run(None);
        }
    };

    view! {
        <div class="add-identifier" id=format!("add-{}", kind.collection()) role="group" aria-label=title on:keydown=on_key>
            <p class="add-identifier-title">{title}</p>
            <FormError error=error links=links.clone() on_retry=on_retry/>
            {move || {
                let links = links.clone();
                if adding.with(Option::is_some) {
                    view! {
                        <CodeStep
                            signals=signals
                            state=state
                            kind=kind_signal
                            pending=pending
                            links=links
                            on_submit=on_code
                            on_resend=on_resend
                            on_back=on_back
                        />
                    }.into_any()
                } else {
                    view! {
                        <IdentifierStep state=state error=error pending=pending links=links on_submit=on_identifier/>
                    }.into_any()
                }
            }}
            <div class="sr-only" role="status" aria-live="polite">{move || status.get()}</div>
            <button type="button" id="add-identifier-cancel" class="button button-ghost button-small" on:click=cancel>
                "Cancel"
            </button>
        </div>
    }
}
