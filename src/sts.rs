//! STS through the AWS SDK: GetSessionToken for `login`, GetCallerIdentity
//! for `configure`, each behind a small trait.
//!
//! Only `login` and `configure` build the SDK client and a (single-threaded)
//! tokio runtime; the offline commands never reach this module.

use crate::error::Error;
use crate::net::{ATTEMPT_TIMEOUT, CONNECT_TIMEOUT, MAX_ATTEMPTS, Network, OPERATION_TIMEOUT};
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
    pub endpoint: &'a Endpoint,
}

/// Where STS requests go, and how.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub region: String,
    /// `--endpoint-url` or an `AWS_ENDPOINT_URL*` variable.
    pub url: Option<String>,
    pub network: Network,
}

impl Endpoint {
    /// The endpoint as shown to the user: the override, else the regional STS endpoint.
    pub fn display(&self) -> String {
        match &self.url {
            Some(url) => url.clone(),
            None if self.region.starts_with("cn-") => {
                format!("https://sts.{}.amazonaws.com.cn", self.region)
            }
            None => format!("https://sts.{}.amazonaws.com", self.region),
        }
    }
}

/// How a call to AWS failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AwsError {
    /// The service answered with an error code.
    Service {
        code: Option<String>,
        message: Option<String>,
    },
    /// No connection: refused, DNS, TLS handshake, connect timeout. The
    /// request never left this machine.
    Unreachable { detail: String },
    /// The request was sent, but no whole answer came back (a timeout, a
    /// connection that broke): the server may have acted on it.
    NoAnswer { detail: String },
    /// An answer that could not be read.
    BadResponse { detail: String },
}

/// Everything AssumeRole needs: the role, and the session that signs.
#[derive(Debug)]
pub struct RoleRequest<'a> {
    /// The MFA session, the previous role's credentials in a chain, or the
    /// source's own credentials (a role without MFA).
    pub signer: &'a crate::session::Credentials,
    pub role_arn: &'a str,
    pub session_name: &'a str,
    pub external_id: Option<&'a str>,
    pub duration_seconds: u32,
    pub endpoint: &'a Endpoint,
}

/// The STS calls a login makes.
pub trait Sts {
    /// GetSessionToken: long-term keys and an MFA code for a session.
    fn get_session_token(&self, request: &SessionRequest<'_>) -> Result<Session, AwsError>;
    /// AssumeRole, signed with a session.
    fn assume_role(&self, request: &RoleRequest<'_>) -> Result<Session, AwsError>;
}

/// The real STS: the AWS SDK for Rust, configured only from the request.
pub struct SdkSts;

impl Sts for SdkSts {
    fn get_session_token(&self, request: &SessionRequest<'_>) -> Result<Session, AwsError> {
        runtime()?.block_on(call_sts(request))
    }

    fn assume_role(&self, request: &RoleRequest<'_>) -> Result<Session, AwsError> {
        runtime()?.block_on(call_assume_role(request))
    }
}

/// A single-threaded runtime for the one or two requests a command makes.
pub fn runtime() -> Result<tokio::runtime::Runtime, AwsError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| AwsError::Unreachable {
            detail: format!("cannot start the network runtime: {e}"),
        })
}

/// The keys as the SDK holds them.
pub fn sdk_credentials(keys: &LongTermKeys) -> aws_credential_types::Credentials {
    aws_credential_types::Credentials::new(
        keys.access_key_id.clone(),
        keys.secret_access_key.expose().to_owned(),
        None,
        None,
        "awsmfa-source-profile",
    )
}

/// An STS client signing with `keys` only.
pub fn client(keys: &LongTermKeys, endpoint: &Endpoint) -> aws_sdk_sts::Client {
    client_signing(sdk_credentials(keys), endpoint)
}

/// An STS client signing with these credentials only.
fn client_signing(
    credentials: aws_credential_types::Credentials,
    endpoint: &Endpoint,
) -> aws_sdk_sts::Client {
    aws_sdk_sts::Client::new(&sdk_config(endpoint, Some(credentials)))
}

/// The SDK's configuration for one endpoint, built by hand so that nothing
/// comes from the environment, profiles, SSO or IMDS: requests are signed
/// with `credentials` only (or not at all), through awsmfa's connector.
pub fn sdk_config(
    endpoint: &Endpoint,
    credentials: Option<aws_credential_types::Credentials>,
) -> aws_config::SdkConfig {
    use aws_config::retry::RetryConfig;
    use aws_config::timeout::TimeoutConfig;
    use aws_config::{BehaviorVersion, Region, SdkConfig};
    use aws_sdk_sts::config::SharedCredentialsProvider;

    let mut config = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(endpoint.region.clone()))
        .http_client(endpoint.network.http_client())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .operation_attempt_timeout(ATTEMPT_TIMEOUT)
                .operation_timeout(OPERATION_TIMEOUT)
                .build(),
        )
        .retry_config(RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS));
    if let Some(credentials) = credentials {
        config = config.credentials_provider(SharedCredentialsProvider::new(credentials));
    }
    if let Some(url) = &endpoint.url {
        config = config.endpoint_url(url);
    }
    config.build()
}

/// GetSessionToken, sent again only when the request cannot have used the
/// code: no connection was made, or STS itself answered that it should be
/// (a 5xx or throttling answer, a signature it refused for the clock). A
/// request that timed out or broke after it was sent is never repeated.
async fn call_sts(request: &SessionRequest<'_>) -> Result<Session, AwsError> {
    let output = client(request.keys, request.endpoint)
        .get_session_token()
        .serial_number(request.device)
        .token_code(request.code.expose())
        .duration_seconds(request.duration_seconds as i32)
        .customize()
        .interceptor(WholeAnswer)
        .config_override(aws_sdk_sts::Config::builder().retry_classifier(CodeSentOnce))
        .send()
        .await
        .map_err(classify)?;
    session_of(output.credentials(), Timestamp::now())
}

/// AssumeRole signed with a session (it holds no code: retried as the SDK does).
async fn call_assume_role(request: &RoleRequest<'_>) -> Result<Session, AwsError> {
    let signer = aws_credential_types::Credentials::new(
        request.signer.access_key_id.clone(),
        request.signer.secret_access_key.expose().to_owned(),
        request
            .signer
            .session_token
            .as_ref()
            .map(|t| t.expose().to_owned()),
        None,
        "awsmfa-session",
    );
    let output = client_signing(signer, request.endpoint)
        .assume_role()
        .role_arn(request.role_arn)
        .role_session_name(request.session_name)
        .set_external_id(request.external_id.map(str::to_owned))
        .duration_seconds(request.duration_seconds as i32)
        .customize()
        .interceptor(WholeAnswer)
        .send()
        .await
        .map_err(classify)?;
    session_of(output.credentials(), Timestamp::now())
}

/// Forbids a retry of a request that may have reached STS without an answer.
#[derive(Debug)]
struct CodeSentOnce;

impl aws_sdk_sts::config::retry::ClassifyRetry for CodeSentOnce {
    fn classify_retry(
        &self,
        ctx: &aws_sdk_sts::config::interceptors::InterceptorContext,
    ) -> aws_sdk_sts::config::retry::RetryAction {
        use aws_sdk_sts::config::retry::RetryAction;
        let Some(Err(err)) = ctx.output_or_error() else {
            return RetryAction::NoActionIndicated;
        };
        let may_have_arrived = match err.as_connector_error() {
            Some(connector) => !never_sent(connector),
            None => err.is_timeout_error() || err.is_response_error(),
        };
        if may_have_arrived {
            RetryAction::RetryForbidden
        } else {
            RetryAction::NoActionIndicated
        }
    }

    fn name(&self) -> &'static str {
        "CodeSentOnce"
    }
}

/// A connection that failed before the request was written: refused,
/// unresolvable, or a connect or TLS handshake that did not complete.
fn never_sent(err: &(dyn std::error::Error + 'static)) -> bool {
    use aws_smithy_runtime_api::client::dns::ResolveDnsError;
    let mut next = Some(err);
    while let Some(e) = next {
        if e.downcast_ref::<ResolveDnsError>().is_some() {
            return true;
        }
        if let Some(e) = e.downcast_ref::<hyper_util::client::legacy::Error>() {
            return e.is_connect();
        }
        next = e.source();
    }
    false
}

/// The session in STS's answer, checked: an answer that lacks a field, holds
/// one that cannot be written, or expires before `now` is never saved.
fn session_of(
    creds: Option<&aws_sdk_sts::types::Credentials>,
    now: Timestamp,
) -> Result<Session, AwsError> {
    let bad = |what: &str| AwsError::BadResponse {
        detail: format!("the answer {what}; nothing was saved"),
    };
    let creds = creds.ok_or_else(|| bad("holds no credentials"))?;
    let fields = [
        ("AccessKeyId", creds.access_key_id()),
        ("SecretAccessKey", creds.secret_access_key()),
        ("SessionToken", creds.session_token()),
    ];
    for (name, value) in fields {
        if value.is_empty() {
            return Err(bad(&format!("has no {name}")));
        }
        if !value.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(bad(&format!("has an unusable {name}")));
        }
    }
    let expiration = Timestamp(creds.expiration().secs());
    // A missing <Expiration> reads as the epoch itself.
    if expiration.0 == 0 {
        return Err(bad("has no Expiration"));
    }
    if expiration <= now {
        return Err(bad(&format!(
            "says the session expired at {expiration} (is this computer's clock right?)"
        )));
    }
    Ok(Session {
        access_key_id: creds.access_key_id().to_owned(),
        secret_access_key: Secret::new(creds.secret_access_key()),
        session_token: Secret::new(creds.session_token()),
        expiration: crate::session::Expiry::At(expiration),
    })
}

/// Refuses a successful answer whose XML is not whole: the SDK reads a
/// body cut short as far as it goes, and would hand back empty fields.
#[derive(Debug)]
struct WholeAnswer;

impl aws_sdk_sts::config::Intercept for WholeAnswer {
    fn name(&self) -> &'static str {
        "WholeAnswer"
    }

    fn read_after_deserialization(
        &self,
        context: &aws_sdk_sts::config::interceptors::AfterDeserializationInterceptorContextRef<'_>,
        _components: &aws_sdk_sts::config::RuntimeComponents,
        _cfg: &mut aws_sdk_sts::config::ConfigBag,
    ) -> Result<(), aws_sdk_sts::error::BoxError> {
        let response = context.response();
        if !response.status().is_success() {
            return Ok(());
        }
        let body = response.body().bytes().unwrap_or_default();
        if xml_is_whole(body) {
            Ok(())
        } else {
            Err("the answer's XML is cut short or malformed".into())
        }
    }
}

/// Whether `body` is one well-formed XML element (with its prolog).
pub fn xml_is_whole(body: &[u8]) -> bool {
    use xmlparser::{ElementEnd, Token};
    let Ok(text) = std::str::from_utf8(body) else {
        return false;
    };
    let mut depth = 0usize;
    let mut roots = 0usize;
    for token in xmlparser::Tokenizer::from(text) {
        match token {
            Err(_) => return false,
            Ok(Token::ElementStart { .. }) => {
                if depth == 0 {
                    roots += 1;
                }
                depth += 1;
            }
            Ok(Token::ElementEnd {
                end: ElementEnd::Close(..) | ElementEnd::Empty,
                ..
            }) => match depth.checked_sub(1) {
                Some(d) => depth = d,
                None => return false,
            },
            Ok(_) => {}
        }
    }
    depth == 0 && roots == 1
}

/// The ARN of the identity the keys belong to (STS GetCallerIdentity).
pub async fn caller_arn(keys: &LongTermKeys, endpoint: &Endpoint) -> Result<String, AwsError> {
    let output = client(keys, endpoint)
        .get_caller_identity()
        .send()
        .await
        .map_err(classify)?;
    output
        .arn()
        .map(str::to_owned)
        .ok_or_else(|| AwsError::BadResponse {
            detail: "the answer holds no ARN".to_owned(),
        })
}

fn classify<E>(
    err: aws_sdk_sts::error::SdkError<E, aws_sdk_sts::config::http::HttpResponse>,
) -> AwsError
where
    E: aws_sdk_sts::error::ProvideErrorMetadata + std::error::Error + 'static,
{
    use aws_sdk_sts::error::SdkError;
    match &err {
        SdkError::ServiceError(e) => {
            // Some emulators and proxies wrap the error as <Errors><Error>,
            // which the SDK does not read: fall back to the raw body.
            let body = e
                .raw()
                .body()
                .bytes()
                .and_then(|b| std::str::from_utf8(b).ok());
            let (body_code, body_message) = body.map(error_fields).unwrap_or_default();
            let code = e.err().code().map(str::to_owned).or(body_code);
            let message = e.err().message().map(str::to_owned).or(body_message);
            let status = e.raw().status();
            match code {
                None if status.is_success() => AwsError::BadResponse {
                    detail: format!(
                        "HTTP {} with a body that is not an STS answer",
                        status.as_u16()
                    ),
                },
                None => AwsError::Service {
                    code: None,
                    message: Some(message.unwrap_or_else(|| format!("HTTP {}", status.as_u16()))),
                },
                code => AwsError::Service { code, message },
            }
        }
        SdkError::TimeoutError(_) => AwsError::NoAnswer {
            detail: format!("no answer within {}s", ATTEMPT_TIMEOUT.as_secs()),
        },
        SdkError::DispatchFailure(e) => match e.as_connector_error() {
            Some(c) if never_sent(c) => AwsError::Unreachable {
                detail: if c.is_timeout() {
                    "the connection timed out".to_owned()
                } else {
                    root_cause(c)
                },
            },
            Some(c) if c.is_timeout() => AwsError::NoAnswer {
                detail: format!("no answer within {}s", ATTEMPT_TIMEOUT.as_secs()),
            },
            Some(c) => AwsError::NoAnswer {
                detail: root_cause(c),
            },
            None => AwsError::Unreachable {
                detail: "the request could not be sent".to_owned(),
            },
        },
        _ => AwsError::BadResponse {
            detail: root_cause(&err),
        },
    }
}

/// `Code` and `Message` of the first `Error` element of an error answer, at
/// any depth: IAM sends `ErrorResponse/Error`, some emulators `Response/Errors/Error`.
pub fn error_fields(xml: &str) -> (Option<String>, Option<String>) {
    use aws_smithy_xml::decode::{Document, try_data};
    let mut doc = Document::new(xml);
    while let Some(start) = doc.next_start_element() {
        if !start.matches("Error") {
            continue;
        }
        let (mut code, mut message) = (None, None);
        let mut error = doc.scoped_to(start);
        while let Some(mut field) = error.next_tag() {
            let slot = match field.start_el().local() {
                "Code" => &mut code,
                "Message" => &mut message,
                _ => continue,
            };
            *slot = try_data(&mut field).ok().map(|text| text.trim().to_owned());
        }
        return (code, message);
    }
    (None, None)
}

/// The innermost message of an error chain: "Connection refused (os error 111)".
pub(crate) fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut inner = err;
    while let Some(source) = inner.source() {
        inner = source;
    }
    inner.to_string()
}

/// What was being called, for error messages.
#[derive(Debug, Clone, Copy)]
pub struct Call<'a> {
    /// `STS` or `IAM`.
    pub service: &'a str,
    /// The IAM action, as in a policy: `sts:GetSessionToken`.
    pub action: &'a str,
    /// The profile whose keys signed the request.
    pub profile: &'a str,
    pub endpoint: &'a str,
}

/// The one call that carries an MFA code.
pub const CODE_ACTION: &str = "sts:GetSessionToken";

/// Turns a failed call into words the user can act on.
pub fn explain(err: AwsError, call: Call<'_>) -> Error {
    let Call {
        service,
        action,
        profile,
        endpoint,
    } = call;
    match err {
        AwsError::Service { code, message } => {
            let code = code.unwrap_or_default();
            let message = message.unwrap_or_default();
            let says = |m: &str| m.to_ascii_lowercase();
            match code.as_str() {
                "AccessDenied"
                    if says(&message).contains("multifactorauthentication")
                        && says(&message).contains("already")
                        && says(&message).contains("used") =>
                {
                    Error::failure("the MFA code was already used: each code works only once")
                        .hint("wait for the next code from your authenticator and try again")
                }
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
                "RequestTimeTooSkewed" | "RequestExpired" => clock_is_off(service),
                "SignatureDoesNotMatch"
                    if says(&message).contains("expired") || says(&message).contains("clock") =>
                {
                    clock_is_off(service)
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
                    "the access key of profile {profile} may not call {action}"
                ))
                .hint(format!("{service} says: {message}")),
                "" => Error::failure(format!(
                    "{service} at {endpoint} refused the request ({message})"
                )),
                _ => Error::failure(format!("{service} refused the request: {code}: {message}")),
            }
        }
        AwsError::Unreachable { detail } => {
            let advice = if says_certificate(&detail) {
                "if a proxy inspects TLS, point AWS_CA_BUNDLE at its CA certificates"
            } else {
                "check the network, --endpoint-url and --region"
            };
            Error::failure(format!("could not reach {service} at {endpoint}"))
                .hint(format!("{detail}; {advice}"))
        }
        // Only GetSessionToken carries a code, and only it is never sent again.
        AwsError::NoAnswer { detail } if action == CODE_ACTION => {
            Error::failure(format!("no answer from {service} at {endpoint}")).hint(format!(
                "{detail}; the request may have reached {service}, so it was not sent again \
                 (an MFA code works once: wait for the next code before trying again)"
            ))
        }
        AwsError::NoAnswer { detail } => Error::failure(format!(
            "no answer from {service} at {endpoint} to {action}"
        ))
        .hint(format!(
            "{detail} (tried up to {MAX_ATTEMPTS} times in {} s); check the network, --endpoint-url and --region",
            OPERATION_TIMEOUT.as_secs()
        )),
        AwsError::BadResponse { detail } => Error::failure(format!(
            "{service} at {endpoint} sent an answer that could not be read"
        ))
        .hint(detail),
    }
}

/// Turns a failed AssumeRole into words that name the role.
/// `shorten` says how to ask for a shorter session (see
/// [`crate::input::shorter`]).
pub fn explain_role(
    err: AwsError,
    call: Call<'_>,
    role_arn: &str,
    external_id: bool,
    shorten: &str,
) -> Error {
    if let AwsError::Service {
        code: Some(code),
        message,
    } = &err
    {
        let message = message.clone().unwrap_or_default();
        let lower = message.to_ascii_lowercase();
        if code == "AccessDenied" {
            let mut hint = format!(
                "STS says: {message}; the role's trust policy must allow this principal to call sts:AssumeRole"
            );
            if external_id {
                hint.push_str(", and its sts:ExternalId condition must match external_id");
            }
            return Error::failure(format!(
                "profile {} may not assume {role_arn}",
                call.profile
            ))
            .hint(hint);
        }
        if code == "ValidationError" && lower.contains("durationseconds") {
            return Error::failure(format!(
                "the session asked for is longer than {role_arn} allows"
            ))
            .hint(format!("STS says: {message}; {shorten}"));
        }
    }
    explain(err, call)
}

fn clock_is_off(service: &str) -> Error {
    Error::failure(format!(
        "{service} refused the request because this computer's clock is off"
    ))
    .hint("set the system clock right (for example with NTP) and try again")
}

fn says_certificate(detail: &str) -> bool {
    let detail = detail.to_ascii_lowercase();
    detail.contains("certificate") || detail.contains("unknownissuer")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(code: &str, message: &str) -> AwsError {
        AwsError::Service {
            code: Some(code.into()),
            message: Some(message.into()),
        }
    }

    fn says(err: AwsError) -> String {
        let call = Call {
            service: "STS",
            action: "sts:GetSessionToken",
            profile: "work",
            endpoint: "http://sts.test",
        };
        explain(err, call).to_string()
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
        assert!(says(service("RequestTimeTooSkewed", "x")).contains("clock is off"));
        assert!(says(service("RequestExpired", "x")).contains("clock is off"));
        assert!(
            says(service("AccessDenied", "not authorized"))
                .contains("may not call sts:GetSessionToken")
        );
        let unreachable = AwsError::Unreachable {
            detail: "refused".into(),
        };
        assert_eq!(says(unreachable), "could not reach STS at http://sts.test");
    }

    #[test]
    fn reads_codes_from_wrapped_error_bodies() {
        let body = "<ErrorResponse><Errors><Error><Code>SignatureDoesNotMatch</Code>\
                    <Message>a &amp; b</Message></Error></Errors></ErrorResponse>";
        let (code, message) = error_fields(body);
        assert_eq!(code.as_deref(), Some("SignatureDoesNotMatch"));
        assert_eq!(message.as_deref(), Some("a & b"));
        assert_eq!(error_fields("<Other/>"), (None, None));
    }

    #[test]
    fn default_endpoints_follow_the_region() {
        let mut endpoint = Endpoint {
            region: "eu-west-1".into(),
            url: None,
            network: Network::default(),
        };
        assert_eq!(endpoint.display(), "https://sts.eu-west-1.amazonaws.com");
        endpoint.region = "cn-north-1".into();
        assert_eq!(
            endpoint.display(),
            "https://sts.cn-north-1.amazonaws.com.cn"
        );
        endpoint.url = Some("http://127.0.0.1:5000".into());
        assert_eq!(endpoint.display(), "http://127.0.0.1:5000");
    }

    #[test]
    fn requests_never_show_the_code_or_secret() {
        let keys = LongTermKeys {
            access_key_id: "AKIAFAKE".into(),
            secret_access_key: Secret::new("fake/secret/key"),
        };
        let code = Secret::new("123456");
        let endpoint = Endpoint {
            region: "us-east-1".into(),
            url: None,
            network: Network::default(),
        };
        let req = SessionRequest {
            keys: &keys,
            device: "arn",
            code: &code,
            duration_seconds: 900,
            endpoint: &endpoint,
        };
        let shown = format!("{req:?}");
        assert!(
            !shown.contains("123456") && !shown.contains("fake/secret/key"),
            "{shown}"
        );
    }
}
