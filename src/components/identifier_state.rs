//! What the person typed in the identifier step (kind, country, digits, email), kept while they
//! go to the code step and back.

use leptos::prelude::*;

use crate::auth::Auth;
use crate::identifier::{Allowed, IdentifierKind};
use crate::phone::{self, Country, default_country};
use crate::validate::check_email;

/// What the user typed in the identifier step; kept while they go to the code step and back.
#[derive(Clone, Copy)]
pub struct IdentifierState {
    auth: Auth,
    /// For sign-in (offers only identifiers that identify a user at sign-in).
    pub sign_in: bool,
    /// Only this kind, whatever the instance offers (adding a phone number on the account page).
    pub only: Option<IdentifierKind>,
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
    pub fn new(auth: Auth, sign_in: bool) -> Self {
        Self {
            auth,
            sign_in,
            only: None,
            chosen: RwSignal::new(None),
            country: RwSignal::new(default_country()),
            digits: RwSignal::new(String::new()),
            email: RwSignal::new(String::new()),
        }
    }

    /// Empty state for exactly one kind (no switch to the other).
    pub fn only(auth: Auth, kind: IdentifierKind) -> Self {
        Self {
            only: Some(kind),
            ..Self::new(auth, false)
        }
    }

    /// What the instance offers for this flow (tracked: follows the environment).
    pub fn allowed(&self) -> Allowed {
        match self.only {
            Some(kind) => Allowed {
                phone: kind == IdentifierKind::Phone,
                email: kind == IdentifierKind::Email,
            },
            None => self.auth.allowed(self.sign_in),
        }
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
