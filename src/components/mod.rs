//! Reusable components: the `<SignIn/>` and `<SignUp/>` cards, the user button, guards and
//! the pieces they are made of.
//!
//! - The two flows: [`sign_in`], [`sign_up`]; their steps: [`identifier_step`], [`code_step`],
//!   [`username_step`].
//! - State the steps share: [`identifier_state`] (what was typed), [`code_signals`] (the code
//!   step's signals), [`runner`] (one request at a time, "Try again").
//! - UI pieces: [`card`] (card, gate, loading), [`errors`], [`buttons`], [`a11y`], inputs
//!   ([`phone_input`], [`otp_input`]), [`icons`].
//! - The account page's sections: [`identifier_list`] (with [`add_identifier`]), [`devices`],
//!   [`delete_account`].

pub mod a11y;
pub mod add_identifier;
pub mod buttons;
pub mod card;
pub mod code_signals;
pub mod code_step;
pub mod delete_account;
pub mod devices;
pub mod errors;
pub mod guards;
pub mod icons;
pub mod identifier_list;
pub mod identifier_state;
pub mod identifier_step;
pub mod otp_input;
pub mod phone_input;
pub mod runner;
pub mod sign_in;
pub mod sign_up;
pub mod status;
pub mod top_bar;
pub mod user_button;
pub mod username_step;

pub use guards::{Protect, RedirectToSignIn, RedirectToSignUp, SignedIn, SignedOut};
pub use sign_in::SignIn;
pub use sign_up::SignUp;
pub use user_button::UserButton;
