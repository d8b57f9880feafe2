//! The HTTP connector for the STS client and the IAM call: hyper's client
//! over TCP, TLS with awsmfa's verifier (see `tls.rs`), the environment's
//! proxies, and time limits.
//!
//! The SDK's own connector (aws-smithy-http-client) takes a trust store but
//! no certificate verifier, so awsmfa builds the same stack from the same
//! crates, with its errors sorted for the SDK's retries as the SDK sorts them.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use aws_smithy_runtime_api::client::http::{
    HttpConnector, HttpConnectorFuture, HttpConnectorSettings,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::retry::ErrorKind;
use http::Uri;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector as TcpConnector};
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tower_service::Service;

type BoxError = Box<dyn std::error::Error + Send + Sync>;
type BoxFuture<T> = Pin<Box<dyn Future<Output = Result<T, BoxError>> + Send>>;

/// Connections through proxies and TLS, within the connect time limit.
type Connect = TimeLimited<hyper_rustls::HttpsConnector<Route>>;

/// Sends requests for the SDK (and for IAM, by hand).
#[derive(Clone)]
pub struct HttpsConnector {
    client: Client<Connect, SdkBody>,
    proxies: Arc<Matcher>,
    read_timeout: Option<Duration>,
}

impl std::fmt::Debug for HttpsConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpsConnector")
            .field("read_timeout", &self.read_timeout)
            .finish_non_exhaustive()
    }
}

impl HttpsConnector {
    /// A connector with `tls` and the connect and read time limits of `settings`;
    /// HTTPS_PROXY, HTTP_PROXY, ALL_PROXY and NO_PROXY as the AWS CLI honors them.
    pub fn new(tls: rustls::ClientConfig, settings: &HttpConnectorSettings) -> HttpsConnector {
        let proxies = Arc::new(Matcher::from_env());
        let mut tcp = TcpConnector::new();
        tcp.enforce_http(false);
        tcp.set_nodelay(true);
        let route = Route {
            tcp,
            proxies: proxies.clone(),
        };
        let https = hyper_rustls::HttpsConnector::from((route, tls));
        let connect = TimeLimited {
            inner: https,
            limit: settings.connect_timeout(),
        };
        let client = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .build(connect);
        HttpsConnector {
            client,
            proxies,
            read_timeout: settings.read_timeout(),
        }
    }
}

impl HttpConnector for HttpsConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let mut request = match request.try_into_http1x() {
            Ok(request) => request,
            Err(e) => return HttpConnectorFuture::ready(Err(ConnectorError::user(e.into()))),
        };
        // A plain-HTTP request through a proxy carries the proxy's credentials
        // (HTTPS ones are sent with CONNECT instead).
        if request.uri().scheme() == Some(&http::uri::Scheme::HTTP) {
            let auth = self
                .proxies
                .intercept(request.uri())
                .and_then(|proxy| proxy.basic_auth().cloned());
            if let Some(auth) = auth {
                request
                    .headers_mut()
                    .entry(http::header::PROXY_AUTHORIZATION)
                    .or_insert(auth);
            }
        }
        let response = self.client.request(request);
        let read_timeout = self.read_timeout;
        HttpConnectorFuture::new(async move {
            let response = match read_timeout {
                Some(limit) => tokio::time::timeout(limit, response)
                    .await
                    .map_err(|_| ConnectorError::timeout(TimedOut("the answer", limit).into()))?,
                None => response.await,
            }
            .map_err(classify)?;
            HttpResponse::try_from(response.map(SdkBody::from_body_1_x))
                .map_err(|e| ConnectorError::other(e.into(), None))
        })
    }
}

/// A time limit that ran out.
#[derive(Debug)]
struct TimedOut(&'static str, Duration);

impl std::fmt::Display for TimedOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "no {} within {}s", self.0, self.1.as_secs())
    }
}

impl std::error::Error for TimedOut {}

/// Sorts a failed request as the SDK's own connector does, so that the
/// SDK retries what is worth retrying (connection failures, a cut answer).
fn classify(err: hyper_util::client::legacy::Error) -> ConnectorError {
    let hyper = find::<hyper::Error>(&err);
    let timed_out = find::<TimedOut>(&err).is_some() || hyper.is_some_and(|e| e.is_timeout());
    let misuse = hyper.is_some_and(|e| e.is_user());
    let io = err.is_connect()
        || find::<std::io::Error>(&err).is_some()
        || hyper.is_some_and(|e| e.is_closed() || e.is_canceled());
    let cut_off = hyper.is_some_and(|e| e.is_incomplete_message());
    let err: BoxError = err.into();
    if timed_out {
        ConnectorError::timeout(err)
    } else if misuse {
        ConnectorError::user(err)
    } else if io {
        ConnectorError::io(err)
    } else if cut_off {
        ConnectorError::other(err, Some(ErrorKind::TransientError))
    } else {
        ConnectorError::other(err, None)
    }
}

/// The first error of type `E` in `err`'s chain.
fn find<'a, E: std::error::Error + 'static>(
    err: &'a (dyn std::error::Error + 'static),
) -> Option<&'a E> {
    let mut next = Some(err);
    while let Some(err) = next {
        if let Some(found) = err.downcast_ref::<E>() {
            return Some(found);
        }
        next = err.source();
    }
    None
}

/// Opens the TCP connection a request needs: to the host itself, to the
/// HTTP proxy that forwards it, or through the HTTPS proxy's CONNECT tunnel
/// (TLS then runs end to end, inside it).
#[derive(Clone)]
struct Route {
    tcp: TcpConnector,
    proxies: Arc<Matcher>,
}

impl Service<Uri> for Route {
    type Response = Tcp;
    type Error = BoxError;
    type Future = BoxFuture<Tcp>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, dst: Uri) -> Self::Future {
        let mut tcp = self.tcp.clone();
        let Some(proxy) = self.proxies.intercept(&dst) else {
            return Box::pin(async move { Ok(Tcp::direct(tcp.call(dst).await?)) });
        };
        if dst.scheme() == Some(&http::uri::Scheme::HTTPS) {
            let mut tunnel = Tunnel::new(proxy.uri().clone(), tcp);
            if let Some(auth) = proxy.basic_auth() {
                tunnel = tunnel.with_auth(auth.clone());
            }
            Box::pin(async move { Ok(Tcp::direct(tunnel.call(dst).await?)) })
        } else {
            let proxy = proxy.uri().clone();
            Box::pin(async move { Ok(Tcp::forwarded(tcp.call(proxy).await?)) })
        }
    }
}

/// A TCP connection, and whether it goes to a proxy that forwards plain
/// HTTP (hyper then writes the request line in absolute form).
struct Tcp {
    io: TokioIo<tokio::net::TcpStream>,
    forwarded: bool,
}

impl Tcp {
    fn direct(io: TokioIo<tokio::net::TcpStream>) -> Tcp {
        Tcp {
            io,
            forwarded: false,
        }
    }

    fn forwarded(io: TokioIo<tokio::net::TcpStream>) -> Tcp {
        Tcp {
            io,
            forwarded: true,
        }
    }
}

impl Connection for Tcp {
    fn connected(&self) -> Connected {
        self.io.connected().proxy(self.forwarded)
    }
}

impl hyper::rt::Read for Tcp {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl hyper::rt::Write for Tcp {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

/// A connector whose connections (TCP, proxy and TLS handshake) must be
/// ready within a time limit.
#[derive(Clone)]
struct TimeLimited<S> {
    inner: S,
    limit: Option<Duration>,
}

impl<S> Service<Uri> for TimeLimited<S>
where
    S: Service<Uri, Error = BoxError>,
    S::Future: Send + 'static,
    S::Response: Send + 'static,
{
    type Response = S::Response;
    type Error = BoxError;
    type Future = BoxFuture<S::Response>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, dst: Uri) -> Self::Future {
        let connecting = self.inner.call(dst);
        let limit = self.limit;
        Box::pin(async move {
            match limit {
                Some(limit) => tokio::time::timeout(limit, connecting)
                    .await
                    .map_err(|_| TimedOut("connection", limit))?,
                None => connecting.await,
            }
        })
    }
}
