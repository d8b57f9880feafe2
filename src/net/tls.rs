//! Which servers awsmfa trusts: the system's roots, or the certificates of
//! `AWS_CA_BUNDLE` instead, checked by WebPKI (rustls) as the AWS SDKs do,
//! plus the one bundle the AWS CLI (OpenSSL) accepts and WebPKI refuses.
//!
//! A server whose own self-signed certificate is the bundle
//! (`openssl req -x509` marks it CA:TRUE) is refused by WebPKI, which never
//! lets a CA certificate be the server's certificate (`CaUsedAsEndEntity`);
//! OpenSSL trusts it because that exact certificate is trusted. awsmfa
//! accepts exactly that: the certificate the server presents is byte for byte
//! one of the bundle, WebPKI refused it only for being a CA (its validity
//! period, checked first, was fine), and it is valid for the host name. The
//! handshake still proves that the server holds its key.

use std::sync::{Arc, LazyLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{WebPkiServerVerifier, verify_server_name};
use rustls::crypto::CryptoProvider;
use rustls::server::ParsedCertificate;
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

/// The system's trusted roots, read once per process (it can take a while).
static SYSTEM_ROOTS: LazyLock<Vec<CertificateDer<'static>>> =
    LazyLock::new(|| rustls_native_certs::load_native_certs().certs);

/// The TLS client settings: trusted roots, verifier, and the AWS SDK's
/// choice of protocol versions and cipher suites.
pub fn client_config(bundle: Option<&[CertificateDer<'static>]>) -> ClientConfig {
    let provider = Arc::new(sdk_cipher_suites(
        rustls::crypto::aws_lc_rs::default_provider(),
    ));
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .expect("the AWS SDK's cipher suites support TLS 1.2 and 1.3");
    let mut config = match bundle {
        None => {
            let mut roots = RootCertStore::empty();
            roots.add_parsable_certificates(SYSTEM_ROOTS.iter().cloned());
            builder.with_root_certificates(roots).with_no_client_auth()
        }
        Some(bundle) => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(BundleVerifier::new(bundle, provider)))
            .with_no_client_auth(),
    };
    // The client speaks HTTP/1.1 only (as STS and IAM do).
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    config
}

/// The cipher suites the AWS SDK for Rust offers (its `restrict_ciphers`).
fn sdk_cipher_suites(base: CryptoProvider) -> CryptoProvider {
    use rustls::CipherSuite::*;
    let wanted = [
        TLS13_AES_256_GCM_SHA384,
        TLS13_AES_128_GCM_SHA256,
        TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    ];
    let cipher_suites = wanted
        .iter()
        .filter_map(|w| base.cipher_suites.iter().find(|s| s.suite() == *w).copied())
        .collect();
    CryptoProvider {
        cipher_suites,
        ..base
    }
}

/// WebPKI against the bundle, and the bundle's own self-signed server
/// certificates (see the module's documentation).
#[derive(Debug)]
pub struct BundleVerifier {
    webpki: Arc<WebPkiServerVerifier>,
    /// The bundle's certificates, compared byte for byte.
    bundle: Vec<CertificateDer<'static>>,
}

impl BundleVerifier {
    /// A verifier trusting `bundle` (each certificate already checked to be
    /// usable as a trust anchor), with `provider`'s signature algorithms.
    pub fn new(
        bundle: &[CertificateDer<'static>],
        provider: Arc<CryptoProvider>,
    ) -> BundleVerifier {
        let mut roots = RootCertStore::empty();
        roots.add_parsable_certificates(bundle.iter().cloned());
        let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .expect("a checked bundle holds at least one usable certificate");
        BundleVerifier {
            webpki,
            bundle: bundle.to_vec(),
        }
    }
}

impl ServerCertVerifier for BundleVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let refusal = match self.webpki.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Ok(verified) => return Ok(verified),
            Err(refusal) => refusal,
        };
        let pinned = self
            .bundle
            .iter()
            .any(|c| c.as_ref() == end_entity.as_ref());
        if !pinned || !only_for_being_a_ca(&refusal) {
            return Err(refusal);
        }
        verify_server_name(&ParsedCertificate::try_from(end_entity)?, server_name)?;
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.webpki.supported_verify_schemes()
    }
}

/// Whether WebPKI refused the server's certificate only because it is a CA:
/// its first checks (encoding, validity period) passed, and then the
/// certificate turned out to say CA:TRUE.
fn only_for_being_a_ca(refusal: &rustls::Error) -> bool {
    match refusal {
        rustls::Error::InvalidCertificate(CertificateError::Other(other)) => matches!(
            other.0.downcast_ref::<webpki::Error>(),
            Some(webpki::Error::CaUsedAsEndEntity)
        ),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::OtherError;

    #[test]
    fn only_the_ca_refusal_is_overridden() {
        let ca = rustls::Error::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(
            webpki::Error::CaUsedAsEndEntity,
        ))));
        assert!(only_for_being_a_ca(&ca));
        for other in [
            rustls::Error::InvalidCertificate(CertificateError::Expired),
            rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer),
            rustls::Error::InvalidCertificate(CertificateError::NotValidForName),
            rustls::Error::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(
                webpki::Error::EndEntityUsedAsCa,
            )))),
        ] {
            assert!(!only_for_being_a_ca(&other), "{other:?}");
        }
    }

    #[test]
    fn the_sdk_cipher_suites_are_offered() {
        let provider = sdk_cipher_suites(rustls::crypto::aws_lc_rs::default_provider());
        assert_eq!(provider.cipher_suites.len(), 7);
    }
}
