//! Everything that crosses the network to AWS: one file per service client
//! over `net` (the HTTP client, its trust store and proxies), and the errors
//! they share. Only commands that make a request reach this module: the
//! offline commands never load the SDK or start a runtime.

pub mod error;
pub mod iam;
pub mod oidc;
pub mod sso;
pub mod sts;
pub mod xml;
