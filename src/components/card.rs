//! The frame of every auth screen: the card, its loading state, the live region, and the gate
//! that decides whether to show a flow at all (signed in already: go on; still loading: wait).

use leptos::prelude::*;

use crate::auth::{Auth, AuthPhase};
use crate::components::errors::{FormError, LinkMemos};
use crate::components::guards::still_on_this_page;
use crate::components::icons::{LogoMark, Spinner};
use crate::messages::UiError;

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

/// The gate of an auth card, as a memo so the card re-renders only when it changes. While the
/// card itself activates a session ([`AuthPhase::Activating`]) the flow stays, and once
/// `activate` has navigated away the card keeps what it shows until it is replaced (the target
/// is read from this page's URL, so redirecting from another page would go astray).
pub fn gate(auth: Auth, target: Memo<String>) -> Memo<Gate> {
    let here_still = still_on_this_page();
    Memo::new(move |prev: Option<&Gate>| match auth.phase() {
        _ if !here_still() && prev.is_some() => prev.cloned().unwrap_or(Gate::Ready),
        AuthPhase::SignedIn => Gate::Redirect(target.get()),
        AuthPhase::Loading => Gate::Loading,
        AuthPhase::SignedOut | AuthPhase::Activating if !auth.has_env() => Gate::EnvError,
        AuthPhase::SignedOut | AuthPhase::Activating => Gate::Ready,
    })
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
