//! The account page's list of the user's phone numbers or email addresses: which is primary,
//! which are verified, "Set as primary", "Remove" (confirmed first), and the add form.

use leptos::html;
use leptos::prelude::*;
use onetime_protocol::VerificationStatus;
use onetime_protocol::slim::{User, Verification};

use crate::auth::{use_auth, use_user};
use crate::components::add_identifier::AddIdentifier;
use crate::components::errors::{FlowLinks, FormError};
use crate::components::runner::Runner;
use crate::identifier::IdentifierKind;
use crate::messages::{UiError, describe_account};

/// One identifier as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Row {
    id: String,
    /// E.164 or the email address, as stored.
    value: String,
    verified: bool,
    primary: bool,
}

fn verified(v: &Option<Verification>) -> bool {
    v.as_ref()
        .is_some_and(|v| v.status == VerificationStatus::Verified)
}

/// The user's identifiers of `kind`, in the server's order.
fn rows(user: &User, kind: IdentifierKind) -> Vec<Row> {
    match kind {
        IdentifierKind::Phone => {
            let primary = user.primary_phone_number_id.as_deref();
            user.phone_numbers
                .iter()
                .map(|p| Row {
                    id: p.id.clone(),
                    value: p.phone_number.clone(),
                    verified: verified(&p.verification),
                    primary: primary == Some(p.id.as_str()),
                })
                .collect()
        }
        IdentifierKind::Email => {
            let primary = user.primary_email_address_id.as_deref();
            user.email_addresses
                .iter()
                .map(|e| Row {
                    id: e.id.clone(),
                    value: e.email_address.clone(),
                    verified: verified(&e.verification),
                    primary: primary == Some(e.id.as_str()),
                })
                .collect()
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Op {
    SetPrimary(String),
    Remove(String),
}

/// The section for one kind (`#phone-numbers` / `#email-addresses` lists its rows).
#[component]
pub fn IdentifierList(
    /// Phone numbers or email addresses.
    kind: IdentifierKind,
    /// Announces what happened (the page's live region).
    status: RwSignal<String>,
) -> impl IntoView {
    let auth = use_auth();
    let user = use_user();
    let list = Memo::new(move |_| user.user().map(|u| rows(&u, kind)).unwrap_or_default());
    let error = RwSignal::new(None::<UiError>);
    // The row whose removal is being confirmed.
    let confirming = RwSignal::new(None::<String>);
    // The add form: closed (`None`), for a new identifier (`Some(None)`), or to verify one
    // added before and left unverified (`Some(Some((id, value)))`).
    let add_open = RwSignal::new(None::<Option<(String, String)>>);
    let add_button = NodeRef::<html::Button>::new();

    let runner = Runner::new(move |_runner: Runner<Op>, op: Op| async move {
        let me_api = auth.api();
        let me = me_api.me();
        let (result, done) = match &op {
            Op::SetPrimary(id) => (me.set_primary(kind, id).await, "Primary changed."),
            Op::Remove(id) => (me.remove(kind, id).await, "Removed."),
        };
        match result {
            Ok(_) => {
                confirming.set(None);
                error.set(None);
                status.set(done.to_string());
            }
            Err(e) => {
                // The question was answered; the error below says why nothing happened.
                confirming.set(None);
                let ui = describe_account(&e, kind);
                status.set(ui.message.clone());
                error.set(Some(ui));
            }
        }
    });
    let pending = runner.pending();
    let on_retry = Callback::new(move |_| {
        error.set(None);
        runner.retry();
    });
    let on_added = Callback::new(move |added: Option<String>| {
        add_open.set(None);
        if let Some(what) = added {
            status.set(format!("Verified {what}."));
        }
        // Back to the button that opened the form, for keyboard users.
        if let Some(b) = add_button.get_untracked() {
            let _ = b.focus();
        }
    });
    let links = FlowLinks::none();
    let (heading, empty, add_label) = match kind {
        IdentifierKind::Phone => ("Phone numbers", "No phone number", "Add a phone number"),
        IdentifierKind::Email => (
            "Email addresses",
            "No email address",
            "Add an email address",
        ),
    };
    let heading_id = format!("profile-{}", kind.collection());
    let labelled_by = heading_id.clone();
    let list_id = kind.collection().replace('_', "-");

    let row_view = move |row: Row| {
        let Row {
            id,
            value,
            verified,
            primary,
        } = row;
        let shown = kind.display(&value);
        let confirm_id = id.clone();
        let confirm_this =
            Memo::new(move |_| confirming.with(|c| c.as_deref() == Some(confirm_id.as_str())));
        let data_identifier = value.clone();
        let (id_primary, id_remove, id_confirm) = (id.clone(), id.clone(), id.clone());
        let to_verify = (id.clone(), value.clone());
        let question = format!("Remove {shown}? You will no longer be able to sign in with it.");
        view! {
            <li class="identifier-row" data-identifier=data_identifier>
                <span class="mono" title=value>{shown}</span>
                <span class="badges">
                    {primary.then(|| view! { <span class="badge">"Primary"</span> })}
                    {if verified {
                        view! { <span class="badge badge-success">"Verified"</span> }.into_any()
                    } else {
                        view! { <span class="badge">"Unverified"</span> }.into_any()
                    }}
                </span>
                <span class="row-actions">
                    {(verified && !primary).then(|| view! {
                        <button type="button" class="link-button set-primary" disabled=move || pending.get()
                            on:click=move |_| runner.run(Op::SetPrimary(id_primary.clone()))>
                            "Set as primary"
                        </button>
                    })}
                    {(!verified).then(|| view! {
                        <button type="button" class="link-button verify-identifier" disabled=move || pending.get()
                            on:click=move |_| add_open.set(Some(Some(to_verify.clone())))>
                            "Verify"
                        </button>
                    })}
                    <button type="button" class="link-button danger-link remove-identifier" disabled=move || pending.get()
                        aria-expanded=move || confirm_this.get().to_string()
                        on:click=move |_| { error.set(None); confirming.set(Some(id_remove.clone())); }>
                        "Remove"
                    </button>
                </span>
                {move || confirm_this.get().then(|| {
                    let id = id_confirm.clone();
                    view! { <ConfirmRemove question=question.clone() pending=pending
                        on_confirm=Callback::new(move |_| runner.run(Op::Remove(id.clone())))
                        on_cancel=Callback::new(move |_| confirming.set(None))/> }
                })}
            </li>
        }
    };

    view! {
        <section class="profile-section" aria-labelledby=labelled_by>
            <h2 id=heading_id class="section-title">{heading}</h2>
            <ul class="identifier-list" id=list_id>
                {move || {
                    let rows = list.get();
                    if rows.is_empty() {
                        view! { <li class="muted">{empty}</li> }.into_any()
                    } else {
                        rows.into_iter().map(row_view).collect_view().into_any()
                    }
                }}
            </ul>
            <FormError error=error links=links on_retry=on_retry/>
            {move || if let Some(existing) = add_open.get() {
                view! { <AddIdentifier kind=kind existing=existing on_done=on_added/> }.into_any()
            } else {
                view! {
                    <button type="button" id=format!("add-{}-open", kind.collection()) class="button button-secondary button-small"
                        node_ref=add_button on:click=move |_| add_open.set(Some(None))>
                        {add_label}
                    </button>
                }.into_any()
            }}
        </section>
    }
}

/// "Remove …?" with the two buttons; focus starts on "Cancel" (the safe choice) and Escape
/// cancels.
#[component]
fn ConfirmRemove(
    question: String,
    pending: RwSignal<bool>,
    on_confirm: Callback<()>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let cancel_ref = NodeRef::<html::Button>::new();
    Effect::new(move |_| {
        if let Some(b) = cancel_ref.get() {
            let _ = b.focus();
        }
    });
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            on_cancel.run(());
        }
    };
    let label = question.clone();
    view! {
        <div class="confirm" role="alertdialog" aria-label=label on:keydown=on_key>
            <p class="confirm-question">{question}</p>
            <div class="confirm-actions">
                <button type="button" class="button button-danger button-small confirm-remove" disabled=move || pending.get()
                    on:click=move |_| on_confirm.run(())>
                    "Remove"
                </button>
                <button type="button" class="button button-ghost button-small confirm-cancel" node_ref=cancel_ref
                    on:click=move |_| on_cancel.run(())>
                    "Cancel"
                </button>
            </div>
        </div>
    }
}
