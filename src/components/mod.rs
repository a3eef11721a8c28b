//! Reusable components: the `<SignIn/>` and `<SignUp/>` cards, the user button, guards and
//! the inputs they are made of.

pub mod flow;
pub mod guards;
pub mod icons;
pub mod otp_input;
pub mod phone_input;
pub mod sign_in;
pub mod sign_up;
pub mod status;
pub mod top_bar;
pub mod user_button;

pub use guards::{Protect, RedirectToSignIn, RedirectToSignUp, SignedIn, SignedOut};
pub use sign_in::SignIn;
pub use sign_up::SignUp;
pub use user_button::UserButton;
