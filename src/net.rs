//! How awsmfa reaches AWS: endpoints, TLS trust, proxies and time limits,
//! shared by the SDK's STS client and the hand-signed IAM call.
//!
//! Only the commands that call AWS (`login`, `configure`) reach this module.

use std::sync::Arc;
use std::time::Duration;

use aws_smithy_runtime_api::client::http::{
    HttpConnectorSettings, SharedHttpClient, SharedHttpConnector, http_client_fn,
};
use rustls_pki_types::CertificateDer;

use crate::env::Env;
use crate::error::Error;

mod connector;
mod tls;

pub use connector::HttpsConnector;

/// Connect, per-attempt and total time limits: a dead endpoint fails within 30 s.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(25);
pub const MAX_ATTEMPTS: u32 = 3;

/// Where and how to connect, read and checked before any request is made.
#[derive(Clone, Default)]
pub struct Network {
    /// The certificates of `AWS_CA_BUNDLE` (or the profile's `ca_bundle`),
    /// trusted instead of the system's roots, as the AWS CLI does.
    ca_bundle: Option<Arc<[CertificateDer<'static>]>>,
}

impl std::fmt::Debug for Network {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Network")
            .field(
                "ca_bundle",
                &self.ca_bundle.as_ref().map(|certs| certs.len()),
            )
            .finish()
    }
}

impl Network {
    /// `$AWS_CA_BUNDLE`, else the profile's `ca_bundle` setting, else the system's roots.
    pub fn resolve(env: &dyn Env, profile_ca_bundle: Option<&str>) -> Result<Network, Error> {
        let (path, source) = match env.var("AWS_CA_BUNDLE") {
            Some(path) => (path, "AWS_CA_BUNDLE"),
            None => match profile_ca_bundle {
                Some(path) => (path.to_owned(), "ca_bundle"),
                None => return Ok(Network::default()),
            },
        };
        let path = crate::profiles::paths::expand_home(&path, env);
        let pem = std::fs::read(&path).map_err(|e| {
            Error::failure(format!("{source}: cannot read {}: {e}", path.display()))
        })?;
        let certs = read_bundle(&pem).map_err(|why| {
            Error::usage(format!("{source}: {} {why}", path.display()))
                .hint("the file must hold PEM certificates (-----BEGIN CERTIFICATE-----)")
        })?;
        Ok(Network {
            ca_bundle: Some(certs.into()),
        })
    }

    /// The SDK's HTTP client, built on [`Network::connector`]'s kind of connector.
    pub fn http_client(&self) -> SharedHttpClient {
        let network = self.clone();
        http_client_fn(move |settings, _components| {
            SharedHttpConnector::new(network.build(settings))
        })
    }

    /// A connector with awsmfa's time limits, for requests made by hand.
    pub fn connector(&self) -> HttpsConnector {
        let settings = HttpConnectorSettings::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .read_timeout(ATTEMPT_TIMEOUT)
            .build();
        self.build(&settings)
    }

    fn build(&self, settings: &HttpConnectorSettings) -> HttpsConnector {
        HttpsConnector::new(tls::client_config(self.ca_bundle.as_deref()), settings)
    }
}

/// The bundle's certificates. Every PEM block must be a certificate rustls
/// accepts as a trust anchor, and there must be one.
fn read_bundle(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    use rustls_pki_types::pem::PemObject;
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("is not valid PEM ({e})"))?;
    if certs.is_empty() {
        return Err("holds no certificate".to_owned());
    }
    let mut roots = rustls::RootCertStore::empty();
    for (i, cert) in certs.iter().enumerate() {
        roots
            .add(cert.clone())
            .map_err(|e| format!("certificate {} cannot be used: {e}", i + 1))?;
    }
    Ok(certs)
}

/// The endpoint override for a service: `--endpoint-url`, `$AWS_ENDPOINT_URL_<SERVICE>`,
/// `$AWS_ENDPOINT_URL`; checked to be an http(s) URL.
pub fn endpoint_url(
    flag: Option<&str>,
    env: &dyn Env,
    service_var: &str,
) -> Result<Option<String>, Error> {
    let (value, source) = match flag {
        Some(url) => (url.to_owned(), "--endpoint-url"),
        None => match env.var(service_var) {
            Some(url) => (url, service_var),
            None => match env.var("AWS_ENDPOINT_URL") {
                Some(url) => (url, "AWS_ENDPOINT_URL"),
                None => return Ok(None),
            },
        },
    };
    if is_http_url(&value) {
        Ok(Some(value))
    } else {
        Err(
            Error::usage(format!("{source}: '{value}' is not an http(s) URL"))
                .hint("for example --endpoint-url https://sts.eu-west-1.amazonaws.com"),
        )
    }
}

/// `http(s)://HOST[:PORT][/PATH]` with a host name or IP address and, when
/// given, a port from 1 to 65535: anything else would send the request (and
/// the MFA code in it) somewhere the user did not mean.
fn is_http_url(value: &str) -> bool {
    let Some(rest) = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"))
    else {
        return false;
    };
    if value.contains(|c: char| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let (host, port) = match authority.strip_prefix('[') {
        Some(v6) => match v6.split_once(']') {
            Some((addr, after)) if !addr.is_empty() => {
                let ok = addr
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.');
                if !ok {
                    return false;
                }
                match after {
                    "" => (addr, None),
                    _ => match after.strip_prefix(':') {
                        Some(port) => (addr, Some(port)),
                        None => return false,
                    },
                }
            }
            _ => return false,
        },
        None => match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        },
    };
    let host_ok = !host.is_empty()
        && (authority.starts_with('[')
            || host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_')));
    let port_ok = port.is_none_or(|p| {
        (1..=5).contains(&p.len())
            && p.bytes().all(|b| b.is_ascii_digit())
            && p.parse::<u32>().is_ok_and(|n| (1..=65535).contains(&n))
    });
    host_ok && port_ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn endpoint_precedence_and_checks() {
        let env = HashMap::from([
            ("AWS_ENDPOINT_URL", "http://all:1"),
            ("AWS_ENDPOINT_URL_STS", "http://sts:2"),
        ]);
        let sts = |flag| endpoint_url(flag, &env, "AWS_ENDPOINT_URL_STS");
        assert_eq!(sts(None).unwrap().as_deref(), Some("http://sts:2"));
        assert_eq!(
            sts(Some("https://x")).unwrap().as_deref(),
            Some("https://x")
        );
        for good in [
            "http://127.0.0.1:5000",
            "https://sts.eu-west-1.amazonaws.com",
            "http://localhost:65535/path?x=1",
            "http://[::1]:8080",
            "http://[::1]",
            "https://sts.amazonaws.com.cn/",
        ] {
            assert_eq!(sts(Some(good)).unwrap().as_deref(), Some(good));
        }
        let iam = endpoint_url(None, &env, "AWS_ENDPOINT_URL_IAM").unwrap();
        assert_eq!(iam.as_deref(), Some("http://all:1"));
        for bad in [
            "ftp://x",
            "http://",
            "https:///x",
            "http://a b",
            "localhost:5000",
            "http://127.0.0.1:99999",
            "http://127.0.0.1:abc",
            "http://127.0.0.1:",
            "http://127.0.0.1:0",
            "http://host:65536/",
            "http://user:pw@host",
            "http://[::1",
            "http://[zz::1]:80",
            "http://[::1]80",
        ] {
            let err = sts(Some(bad)).unwrap_err();
            assert_eq!(err.code(), crate::exit_codes::ExitCode::Usage, "{bad}");
        }
        let none = HashMap::new();
        assert_eq!(
            endpoint_url(None, &none, "AWS_ENDPOINT_URL_STS").unwrap(),
            None
        );
    }

    #[test]
    fn bundles_must_hold_usable_certificates() {
        assert!(read_bundle(b"").unwrap_err().contains("no certificate"));
        assert!(read_bundle(b"not pem at all\n").is_err());
        let garbage = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        assert!(read_bundle(garbage).unwrap_err().contains("cannot be used"));
    }
}
