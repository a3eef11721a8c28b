//! The kinds of identifier a person signs up and in with, and which ones the instance offers.
//! Plain data: the auth context and the components both use it.

use onetime_protocol::fields;

/// What the user typed as an identifier: decides the wording ("phone number" / "email address").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IdentifierKind {
    /// A phone number.
    #[default]
    Phone,
    /// An email address.
    Email,
}

impl IdentifierKind {
    /// "phone number" / "email address".
    pub fn noun(self) -> &'static str {
        match self {
            IdentifierKind::Phone => "phone number",
            IdentifierKind::Email => "email address",
        }
    }

    /// The FAPI field name.
    pub fn field(self) -> &'static str {
        match self {
            IdentifierKind::Phone => fields::PHONE_NUMBER,
            IdentifierKind::Email => fields::EMAIL_ADDRESS,
        }
    }

    /// How an identifier of this kind is shown (a phone number grouped, an email as typed).
    pub fn display(self, value: &str) -> String {
        match self {
            IdentifierKind::Phone => crate::phone::display_e164(value),
            IdentifierKind::Email => value.to_string(),
        }
    }

    /// The user's list of this kind under `/v1/me` (`phone_numbers` / `email_addresses`).
    pub fn collection(self) -> &'static str {
        match self {
            IdentifierKind::Phone => "phone_numbers",
            IdentifierKind::Email => "email_addresses",
        }
    }

    /// The other kind ("Use email instead").
    pub fn other(self) -> Self {
        match self {
            IdentifierKind::Phone => IdentifierKind::Email,
            IdentifierKind::Email => IdentifierKind::Phone,
        }
    }

    /// The code strategy for this kind.
    pub fn strategy(self) -> &'static str {
        match self {
            IdentifierKind::Phone => onetime_protocol::strategies::PHONE_CODE,
            IdentifierKind::Email => onetime_protocol::strategies::EMAIL_CODE,
        }
    }
}

/// Which identifiers the instance offers for a flow.
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

    /// Neither is offered: the flow cannot start.
    pub fn none(self) -> bool {
        !self.phone && !self.email
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
