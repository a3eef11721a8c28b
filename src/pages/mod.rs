//! One component per route.

pub mod home;
pub mod not_found;
pub mod sign_in;
pub mod sign_up;
pub mod user;

pub use home::HomePage;
pub use not_found::NotFoundPage;
pub use sign_in::SignInPage;
pub use sign_up::SignUpPage;
pub use user::UserProfilePage;
