//! The one network call: STS GetSessionToken, behind a small trait.
//!
//! Only `login` builds the SDK client and a (single-threaded) tokio runtime;
//! the offline commands never reach this module.

use std::time::Duration;

use crate::error::Error;
use crate::secret::Secret;
use crate::session::{LongTermKeys, Session};
use crate::time::Timestamp;

/// Everything GetSessionToken needs.
#[derive(Debug)]
pub struct SessionRequest<'a> {
    pub keys: &'a LongTermKeys,
    pub device: &'a str,
    pub code: &'a Secret,
    pub duration_seconds: u32,
    pub region: &'a str,
    pub endpoint: Option<&'a str>,
}

impl SessionRequest<'_> {
    /// The endpoint as shown to the user: the override, else the regional STS endpoint.
    pub fn endpoint_display(&self) -> String {
        match self.endpoint {
            Some(url) => url.to_owned(),
            None if self.region.starts_with("cn-") => {
                format!("https://sts.{}.amazonaws.com.cn", self.region)
            }
            None => format!("https://sts.{}.amazonaws.com", self.region),
        }
    }
}

/// How a GetSessionToken call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StsError {
    /// STS answered with an error code.
    Service {
        code: Option<String>,
        message: Option<String>,
    },
    /// No answer: connection refused, DNS, TLS, timeout.
    Unreachable { detail: String },
    /// An answer that could not be read.
    BadResponse { detail: String },
}

/// Issues session credentials for long-term keys and an MFA code.
pub trait SessionIssuer {
    fn get_session_token(&self, request: &SessionRequest<'_>) -> Result<Session, StsError>;
}

/// Connect, per-attempt and total time limits: a dead endpoint fails within 30 s.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(25);
pub const MAX_ATTEMPTS: u32 = 3;

/// The real issuer: the AWS SDK for Rust, configured only from the request.
pub struct SdkSessionIssuer;

impl SessionIssuer for SdkSessionIssuer {
    fn get_session_token(&self, request: &SessionRequest<'_>) -> Result<Session, StsError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| StsError::Unreachable {
                detail: format!("cannot start the network runtime: {e}"),
            })?;
        runtime.block_on(call_sts(request))
    }
}

async fn call_sts(request: &SessionRequest<'_>) -> Result<Session, StsError> {
    use aws_config::retry::RetryConfig;
    use aws_config::timeout::TimeoutConfig;
    use aws_config::{BehaviorVersion, Region, SdkConfig};
    use aws_sdk_sts::config::{Credentials, SharedCredentialsProvider};

    // Built by hand so nothing comes from the environment, profiles, SSO or
    // IMDS: requests are signed with the source profile's keys only.
    let credentials = Credentials::new(
        request.keys.access_key_id.clone(),
        request.keys.secret_access_key.expose().to_owned(),
        None,
        None,
        "awsmfa-source-profile",
    );
    let mut config = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(request.region.to_owned()))
        .credentials_provider(SharedCredentialsProvider::new(credentials))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .operation_attempt_timeout(ATTEMPT_TIMEOUT)
                .operation_timeout(OPERATION_TIMEOUT)
                .build(),
        )
        .retry_config(RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS));
    if let Some(url) = request.endpoint {
        config = config.endpoint_url(url);
    }
    let client = aws_sdk_sts::Client::new(&config.build());
    let output = client
        .get_session_token()
        .serial_number(request.device)
        .token_code(request.code.expose())
        .duration_seconds(request.duration_seconds as i32)
        .send()
        .await
        .map_err(classify)?;
    let creds = output.credentials().ok_or_else(|| StsError::BadResponse {
        detail: "the answer holds no credentials".to_owned(),
    })?;
    Ok(Session {
        access_key_id: creds.access_key_id().to_owned(),
        secret_access_key: Secret::new(creds.secret_access_key()),
        session_token: Secret::new(creds.session_token()),
        expiration: Some(Timestamp(creds.expiration().secs())),
    })
}

fn classify(
    err: aws_sdk_sts::error::SdkError<
        aws_sdk_sts::operation::get_session_token::GetSessionTokenError,
        aws_sdk_sts::config::http::HttpResponse,
    >,
) -> StsError {
    use aws_sdk_sts::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
    match &err {
        SdkError::ServiceError(e) => {
            // Some emulators and proxies wrap the error as <Errors><Error>,
            // which the SDK does not read: fall back to the raw body.
            let body = e
                .raw()
                .body()
                .bytes()
                .and_then(|b| std::str::from_utf8(b).ok());
            let from_body = |tag| body.and_then(|b| xml_text(b, tag));
            let code = e
                .err()
                .code()
                .map(str::to_owned)
                .or_else(|| from_body("Code"));
            let message = e
                .err()
                .message()
                .map(str::to_owned)
                .or_else(|| from_body("Message"));
            let status = e.raw().status();
            match code {
                None if status.is_success() => StsError::BadResponse {
                    detail: format!(
                        "HTTP {} with a body that is not a GetSessionToken answer",
                        status.as_u16()
                    ),
                },
                None => StsError::Service {
                    code: None,
                    message: Some(message.unwrap_or_else(|| format!("HTTP {}", status.as_u16()))),
                },
                code => StsError::Service { code, message },
            }
        }
        SdkError::TimeoutError(_) => StsError::Unreachable {
            detail: format!("no answer within {}s", OPERATION_TIMEOUT.as_secs()),
        },
        SdkError::DispatchFailure(e) => StsError::Unreachable {
            detail: match e.as_connector_error() {
                Some(c) if c.is_timeout() => "the connection timed out".to_owned(),
                Some(c) => root_cause(c),
                None => "the request could not be sent".to_owned(),
            },
        },
        _ => StsError::BadResponse {
            detail: format!("{}", DisplayErrorContext(&err)),
        },
    }
}

/// The text of the first `<tag>…</tag>` in an XML body, entities decoded.
fn xml_text(body: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    let start = body.find(&open)? + open.len();
    let end = start + body[start..].find(&format!("</{tag}>"))?;
    let text = body[start..end]
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&");
    Some(text)
}

/// The innermost message of an error chain: "Connection refused (os error 111)".
fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut inner = err;
    while let Some(source) = inner.source() {
        inner = source;
    }
    inner.to_string()
}

/// Turns an STS failure into words the user can act on.
pub fn explain(err: StsError, profile: &str, endpoint: &str) -> Error {
    match err {
        StsError::Service { code, message } => {
            let code = code.unwrap_or_default();
            let message = message.unwrap_or_default();
            let says = |m: &str| m.to_ascii_lowercase();
            match code.as_str() {
                "AccessDenied" if says(&message).contains("multifactorauthentication") => {
                    Error::failure("the MFA code was rejected: it is wrong, expired or was already used")
                        .hint("wait for the next code from your authenticator and try again")
                }
                "InvalidClientTokenId" => Error::failure(format!(
                    "the access key of profile {profile} is unknown or inactive"
                ))
                .hint(format!(
                    "check aws_access_key_id in [{profile}], or create a new access key in IAM"
                )),
                "SignatureDoesNotMatch"
                    if says(&message).contains("expired") || says(&message).contains("clock") =>
                {
                    Error::failure("STS refused the request because this computer's clock is off")
                        .hint("set the system clock right (for example with NTP) and try again")
                }
                "SignatureDoesNotMatch" => Error::failure(format!(
                    "the secret key of profile {profile} does not match its access key"
                ))
                .hint(format!("check aws_secret_access_key in [{profile}]")),
                "ExpiredToken" => Error::failure(format!(
                    "profile {profile} holds an expired session token"
                ))
                .hint(format!(
                    "[{profile}] must hold long-term keys (aws_access_key_id and aws_secret_access_key)"
                )),
                "AccessDenied" => Error::failure(format!(
                    "the access key of profile {profile} may not call sts:GetSessionToken"
                ))
                .hint(format!("STS says: {message}")),
                "" => Error::failure(format!("STS at {endpoint} refused the request ({message})")),
                _ => Error::failure(format!("STS refused the request: {code}: {message}")),
            }
        }
        StsError::Unreachable { detail } => {
            Error::failure(format!("could not reach STS at {endpoint}")).hint(format!(
                "{detail}; check the network, --endpoint-url and --region"
            ))
        }
        StsError::BadResponse { detail } => Error::failure(format!(
            "STS at {endpoint} sent an answer that could not be read"
        ))
        .hint(detail),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(code: &str, message: &str) -> StsError {
        StsError::Service {
            code: Some(code.into()),
            message: Some(message.into()),
        }
    }

    fn says(err: StsError) -> String {
        explain(err, "work", "http://sts.test").to_string()
    }

    #[test]
    fn maps_sts_codes_to_plain_words() {
        let mfa = "MultiFactorAuthentication failed with invalid MFA one time pass code.";
        assert!(says(service("AccessDenied", mfa)).contains("MFA code was rejected"));
        assert!(
            says(service("InvalidClientTokenId", "x"))
                .contains("access key of profile work is unknown")
        );
        assert!(says(service("SignatureDoesNotMatch", "x")).contains("secret key of profile work"));
        assert!(
            says(service(
                "SignatureDoesNotMatch",
                "Signature expired: 20260101T000000Z is now earlier than ..."
            ))
            .contains("clock")
        );
        assert!(says(service("ExpiredToken", "x")).contains("work holds an expired session token"));
        assert!(
            says(service("AccessDenied", "not authorized"))
                .contains("may not call sts:GetSessionToken")
        );
        let unreachable = StsError::Unreachable {
            detail: "refused".into(),
        };
        assert_eq!(says(unreachable), "could not reach STS at http://sts.test");
    }

    #[test]
    fn reads_codes_from_wrapped_error_bodies() {
        let body = "<ErrorResponse><Errors><Error><Code>SignatureDoesNotMatch</Code>\
                    <Message>a &amp; b</Message></Error></Errors></ErrorResponse>";
        assert_eq!(
            xml_text(body, "Code").as_deref(),
            Some("SignatureDoesNotMatch")
        );
        assert_eq!(xml_text(body, "Message").as_deref(), Some("a & b"));
        assert_eq!(xml_text(body, "Type"), None);
    }

    #[test]
    fn default_endpoints_follow_the_region() {
        let keys = LongTermKeys {
            access_key_id: "AKIA".into(),
            secret_access_key: "s".into(),
        };
        let code = Secret::new("123456");
        let mut req = SessionRequest {
            keys: &keys,
            device: "arn",
            code: &code,
            duration_seconds: 900,
            region: "eu-west-1",
            endpoint: None,
        };
        assert_eq!(
            req.endpoint_display(),
            "https://sts.eu-west-1.amazonaws.com"
        );
        req.region = "cn-north-1";
        assert_eq!(
            req.endpoint_display(),
            "https://sts.cn-north-1.amazonaws.com.cn"
        );
        req.endpoint = Some("http://127.0.0.1:5000");
        assert_eq!(req.endpoint_display(), "http://127.0.0.1:5000");
        assert!(!format!("{req:?}").contains("123456"));
    }
}
