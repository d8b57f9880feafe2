//! The sign-in flow shared by `login` and `exec --login`: where the code
//! comes from, and saving the session so that a code is only ever spent on
//! a session that will be saved.

pub mod code;
pub mod lock;
pub mod save;
