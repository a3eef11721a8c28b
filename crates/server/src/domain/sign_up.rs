//! What a sign-up still needs, per the instance configuration.

use onetime_protocol::{SignUpStatus, VerificationStatus, fields};

use crate::config::Identifiers;
use crate::otp;
use crate::store::{SignUpRow, VerifState};

/// The field lists of a sign-up (names as FAPI spells them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignUpFields {
    /// Required by the instance.
    pub required: Vec<String>,
    /// Accepted but not required.
    pub optional: Vec<String>,
    /// Required and not given yet.
    pub missing: Vec<String>,
    /// Given and not verified yet.
    pub unverified: Vec<String>,
}

impl SignUpFields {
    /// Nothing missing, nothing unverified: the sign-up can complete.
    pub fn satisfied(&self) -> bool {
        self.missing.is_empty() && self.unverified.is_empty()
    }
}

impl SignUpRow {
    /// The status as the wire shows it: an unfinished sign-up past `abandon_at` is abandoned.
    pub fn effective_status(&self, now: i64) -> SignUpStatus {
        if self.status != SignUpStatus::Complete && now > self.abandon_at {
            SignUpStatus::Abandoned
        } else {
            self.status
        }
    }

    /// Which fields the instance requires or accepts, and which of them are missing or
    /// unverified. Without a required identifier, one of phone or email is still needed.
    pub fn fields(&self, ids: &Identifiers, now: i64) -> SignUpFields {
        let mut required = Vec::new();
        let mut optional = Vec::new();
        for (name, c) in [
            (fields::PHONE_NUMBER, &ids.phone_number),
            (fields::EMAIL_ADDRESS, &ids.email_address),
            (fields::USERNAME, &ids.username),
        ] {
            if c.required {
                required.push(name.to_owned());
            } else if c.enabled {
                optional.push(name.to_owned());
            }
        }
        optional.push(fields::FIRST_NAME.into());
        optional.push(fields::LAST_NAME.into());
        let present = |name: &str| match name {
            fields::PHONE_NUMBER => self.phone_number.is_some(),
            fields::EMAIL_ADDRESS => self.email_address.is_some(),
            fields::USERNAME => self.username.is_some(),
            _ => false,
        };
        let mut missing: Vec<String> = required.iter().filter(|f| !present(f)).cloned().collect();
        let needs_contact = !ids.phone_number.required && !ids.email_address.required;
        if needs_contact && self.phone_number.is_none() && self.email_address.is_none() {
            missing.push(
                match (ids.phone_number.enabled, ids.email_address.enabled) {
                    (true, true) => "email_address_or_phone_number".into(),
                    (true, false) => fields::PHONE_NUMBER.into(),
                    _ => fields::EMAIL_ADDRESS.into(),
                },
            );
        }
        let verified = |s: Option<&VerifState>| {
            s.is_some_and(|s| otp::effective_status(s, now) == VerificationStatus::Verified)
        };
        let mut unverified = Vec::new();
        if self.phone_number.is_some() && !verified(self.verifications.phone_number.as_ref()) {
            unverified.push(fields::PHONE_NUMBER.to_owned());
        }
        if self.email_address.is_some() && !verified(self.verifications.email_address.as_ref()) {
            unverified.push(fields::EMAIL_ADDRESS.to_owned());
        }
        SignUpFields {
            required,
            optional,
            missing,
            unverified,
        }
    }
}
