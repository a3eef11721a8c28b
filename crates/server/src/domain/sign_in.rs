//! What a sign-in offers: the identifiers it accepts and the first factors of a user.

use onetime_protocol::{self as p, SignInStatus, fields, strategies};

use crate::config::Identifiers;
use crate::store::{IdentRow, SignInRow};

impl SignInRow {
    /// The status as the wire shows it: an unfinished sign-in past `abandon_at` is abandoned.
    pub fn effective_status(&self, now: i64) -> SignInStatus {
        if self.status != SignInStatus::Complete && now > self.abandon_at {
            SignInStatus::Abandoned
        } else {
            self.status
        }
    }
}

/// Identifier kinds usable for sign-in.
pub fn supported_identifiers(ids: &Identifiers) -> Vec<String> {
    [
        (fields::PHONE_NUMBER, ids.phone_number.sign_in),
        (fields::EMAIL_ADDRESS, ids.email_address.sign_in),
        (fields::USERNAME, ids.username.sign_in),
    ]
    .into_iter()
    .filter(|(_, on)| *on)
    .map(|(n, _)| n.to_owned())
    .collect()
}

/// Masked identifier of an identification (`+1******0100`, `j***@example.com`).
pub fn safe_identifier(ident: &IdentRow) -> String {
    if ident.kind == fields::PHONE_NUMBER {
        super::PhoneNumber::parse(&ident.value)
            .map(|p| p.masked())
            .unwrap_or_else(|_| "********".into())
    } else {
        super::EmailAddress::parse(&ident.value)
            .map(|e| e.masked())
            .unwrap_or_else(|_| "*****".into())
    }
}

/// The first factors a user can sign in with (kinds the instance allows for sign-in), the one
/// matching `identifier` first; the first of each kind is primary.
pub fn first_factors(
    ids: &Identifiers,
    idents: &[IdentRow],
    identifier: Option<&str>,
) -> Vec<p::SignInFactor> {
    let mut out: Vec<(bool, p::SignInFactor)> = Vec::new();
    let mut seen_phone = false;
    let mut seen_email = false;
    for i in idents {
        let is_phone = i.kind == fields::PHONE_NUMBER;
        if (is_phone && !ids.phone_number.sign_in) || (!is_phone && !ids.email_address.sign_in) {
            continue;
        }
        let primary = if is_phone {
            !std::mem::replace(&mut seen_phone, true)
        } else {
            !std::mem::replace(&mut seen_email, true)
        };
        let f = p::SignInFactor {
            strategy: if is_phone {
                strategies::PHONE_CODE
            } else {
                strategies::EMAIL_CODE
            }
            .into(),
            safe_identifier: Some(safe_identifier(i)),
            email_address_id: (!is_phone).then(|| i.id.clone()),
            phone_number_id: is_phone.then(|| i.id.clone()),
            primary: Some(primary),
            default: None,
        };
        out.push((identifier == Some(i.value.as_str()), f));
    }
    out.sort_by_key(|(matches, _)| !matches);
    out.into_iter().map(|(_, f)| f).collect()
}
