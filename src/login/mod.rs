//! The sign-in flow shared by `login`, `exec --login` and
//! `credential-process --login`: a login is resolved into a plan
//! (`plan`, `chain`), then run (`run`): the code (`code`), the per-target
//! lock (`lock`), and saving so that a code is only ever spent on a session
//! that will be saved (`save`).

pub mod chain;
pub mod code;
pub mod lock;
pub mod plan;
pub mod run;
pub mod save;
