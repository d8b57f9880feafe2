//! libFuzzer target: the credentials/config parser and the editor.
#![no_main]

// The sources themselves, so that the fuzzer builds without the AWS SDK.
#[path = "../../../src/profiles/parse/mod.rs"]
pub mod parse;
#[path = "../../../src/profiles/edit.rs"]
pub mod edit;

mod profiles {
    pub use crate::{edit, parse};
}

#[path = "../../support/fuzz_check.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::check(data));
