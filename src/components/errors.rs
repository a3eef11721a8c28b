//! Where a flow's error appears: next to its field or above the form, with the remedy the
//! message offers (a link to the other flow, "Try again", "Send a new code").

use leptos::prelude::*;

use crate::messages::{Remedy, Slot, UiError};

/// Links used in error remedies and footers.
#[derive(Clone, Debug)]
pub struct FlowLinks {
    /// Sign-in page (with `redirect_url` carried along).
    pub sign_in: String,
    /// Sign-up page (with `redirect_url` carried along).
    pub sign_up: String,
}

impl FlowLinks {
    /// No links: the account page offers neither sign-in nor sign-up
    /// ([`describe_account`](crate::messages::describe_account) gives no such remedy).
    pub fn none() -> Self {
        Self {
            sign_in: String::new(),
            sign_up: String::new(),
        }
    }
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

/// The remedy an error offers. `on_action` runs for the buttons: "Try again" (form errors)
/// and "Send a new code" (code errors: expired, too many attempts, nothing sent yet).
fn remedy_view(remedy: Option<Remedy>, links: &FlowLinks, on_action: Callback<()>) -> AnyView {
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
            <button type="button" id="retry" class="alert-action" on:click=move |_| on_action.run(())>
                "Try again"
            </button>
        }
        .into_any(),
        Some(Remedy::Resend) => view! {
            " " <button type="button" id="send-new-code" class="link-button" on:click=move |_| on_action.run(())>
                "Send a new code"
            </button>
        }
        .into_any(),
        None => ().into_any(),
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
    /// Sends a new code (the code field's "Send a new code" remedy).
    #[prop(optional)]
    on_resend: Option<Callback<()>>,
) -> impl IntoView {
    let slot = field;
    let on_resend = on_resend.unwrap_or_else(|| Callback::new(|_| ()));
    let id = match slot {
        Slot::Identifier => "identifier-error",
        Slot::Code => "code-error",
        Slot::Username => "username-error",
        Slot::Form => "form-error",
    };
    move || {
        error.get().filter(|e| e.slot == slot).map(|e| {
            let remedy = remedy_view(e.remedy, &links, on_resend);
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
