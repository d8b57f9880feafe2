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

/// The value of a future that is ready when first polled: the SDK's
/// endpoint rules are evaluated at once, so no runtime is needed for them.
pub fn at_once<F: std::future::Future>(future: F) -> F::Output {
    use std::task::{Context, Poll, Waker};
    let mut future = std::pin::pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(value) => value,
        Poll::Pending => unreachable!("the endpoint rules never wait"),
    }
}
