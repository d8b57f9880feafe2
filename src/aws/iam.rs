//! MFA device discovery for `configure`: STS GetCallerIdentity names the IAM
//! user, then IAM ListMFADevices lists that user's devices.
//!
//! ListMFADevices is one Query API call, signed here with SigV4 (the crate the
//! SDK itself signs with) and sent through the same connector as STS: the
//! whole IAM SDK would add about 80 s to a clean release build for one call.
//! Its answer is read with the XML decoder the STS SDK already builds on.

use std::time::SystemTime;

use aws_smithy_runtime_api::client::http::HttpConnector;
use aws_smithy_types::body::SdkBody;
use aws_smithy_xml::decode::{Document, ScopedDecoder, XmlDecodeError, try_data};

use crate::aws::error::AwsError;
use crate::aws::sts::{Endpoint, caller_arn, runtime, sdk_credentials};
use crate::aws::xml::error_fields;
use crate::net::OPERATION_TIMEOUT;
use crate::session::LongTermKeys;

/// The identity that the keys belong to, from its ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// An IAM user: `arn:aws:iam::123456789012:user/path/NAME`.
    User { partition: String, name: String },
    /// The account's root user: `arn:aws:iam::123456789012:root`.
    Root { partition: String },
    /// Anything else (roles, federated users): no MFA devices of its own.
    Other,
}

impl Caller {
    pub fn from_arn(arn: &str) -> Caller {
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        match parts.as_slice() {
            ["arn", partition, "iam", _, _, "root"] => Caller::Root {
                partition: (*partition).to_owned(),
            },
            ["arn", partition, "iam", _, _, resource] if resource.starts_with("user/") => {
                match resource.rsplit('/').next() {
                    Some(name) if !name.is_empty() => Caller::User {
                        partition: (*partition).to_owned(),
                        name: name.to_owned(),
                    },
                    _ => Caller::Other,
                }
            }
            _ => Caller::Other,
        }
    }
}

/// What discovery found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Devices {
    /// The caller's ARN, as STS gave it.
    pub caller_arn: String,
    /// The devices' serial numbers (ARNs for virtual devices), in IAM's order.
    pub serials: Vec<String>,
}

/// Why a FIDO security key cannot be an awsmfa device.
pub const NO_FIDO: &str =
    "STS GetSessionToken takes codes only from virtual and hardware TOTP devices";

/// Whether a device is a FIDO security key (`arn:aws:iam::1:u2f/user/NAME/KEY`):
/// it signs WebAuthn challenges and gives no codes, so STS GetSessionToken,
/// which takes a 6-digit code, cannot use it. Virtual devices
/// (`arn:aws:iam::1:mfa/NAME`) and hardware TOTP tokens (serials like
/// `GAHT12345678`) give codes.
pub fn is_fido_key(serial: &str) -> bool {
    serial.starts_with("arn:") && serial.contains(":u2f/")
}

/// Why discovery found nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiscoveryError {
    /// A call failed.
    Call {
        /// `STS` or `IAM`.
        service: &'static str,
        action: &'static str,
        endpoint: String,
        error: AwsError,
    },
    /// The keys belong to a role or federated user, which has no MFA devices.
    NotAUser { arn: String },
}

/// Finds the MFA devices of the user the keys belong to.
pub trait DeviceLister {
    fn list_devices(
        &self,
        keys: &LongTermKeys,
        sts: &Endpoint,
        iam_url: Option<&str>,
    ) -> Result<Devices, DiscoveryError>;
}

/// The real lister: STS through the SDK, IAM signed by hand.
pub struct AwsDeviceLister;

impl DeviceLister for AwsDeviceLister {
    fn list_devices(
        &self,
        keys: &LongTermKeys,
        sts: &Endpoint,
        iam_url: Option<&str>,
    ) -> Result<Devices, DiscoveryError> {
        let sts_failed = |error| DiscoveryError::Call {
            service: "STS",
            action: "sts:GetCallerIdentity",
            endpoint: sts.display(),
            error,
        };
        // One runtime for both calls.
        let runtime = runtime().map_err(sts_failed)?;
        let arn = runtime
            .block_on(caller_arn(keys, sts))
            .map_err(sts_failed)?;
        let (partition, user) = match Caller::from_arn(&arn) {
            Caller::User { partition, name } => (partition, Some(name)),
            Caller::Root { partition } => (partition, None),
            Caller::Other => return Err(DiscoveryError::NotAUser { arn }),
        };
        let (default_url, signing_region) = iam_endpoint(&partition);
        let url = iam_url.unwrap_or(default_url);
        let body = list_devices_body(user.as_deref());
        let answer = runtime.block_on(post_signed(keys, sts, url, signing_region, &body));
        let iam_failed = |error| DiscoveryError::Call {
            service: "IAM",
            action: "iam:ListMFADevices",
            endpoint: url.to_owned(),
            error,
        };
        let (status, text) = answer.map_err(iam_failed)?;
        if !(200..300).contains(&status) {
            let (code, message) = error_fields(&text);
            return Err(iam_failed(AwsError::Service {
                code,
                message: message.or_else(|| Some(format!("HTTP {status}"))),
            }));
        }
        let serials = serial_numbers(&text).ok_or_else(|| {
            iam_failed(AwsError::BadResponse {
                detail: format!("HTTP {status} with a body that is not a ListMFADevices answer"),
            })
        })?;
        Ok(Devices {
            caller_arn: arn,
            serials,
        })
    }
}

/// IAM's global endpoint and signing region for a partition.
fn iam_endpoint(partition: &str) -> (&'static str, &'static str) {
    match partition {
        "aws-cn" => ("https://iam.cn-north-1.amazonaws.com.cn", "cn-north-1"),
        "aws-us-gov" => ("https://iam.us-gov.amazonaws.com", "us-gov-west-1"),
        _ => ("https://iam.amazonaws.com", "us-east-1"),
    }
}

/// The form body of ListMFADevices; without a user name IAM lists the caller's.
fn list_devices_body(user: Option<&str>) -> String {
    let mut body = String::from("Action=ListMFADevices&Version=2010-05-08");
    if let Some(user) = user {
        body.push_str("&UserName=");
        body.push_str(&form_encode(user));
    }
    body
}

/// `application/x-www-form-urlencoded` for a value: unreserved bytes as they are.
fn form_encode(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The serial numbers of a ListMFADevices answer
/// (`ListMFADevicesResponse/ListMFADevicesResult/MFADevices/member/SerialNumber`),
/// in IAM's order and with XML entities decoded; `None` when the body is not
/// such an answer.
fn serial_numbers(xml: &str) -> Option<Vec<String>> {
    let mut doc = Document::new(xml);
    let mut root = doc.root_element().ok()?;
    if !root.start_el().matches("ListMFADevicesResponse") {
        return None;
    }
    let mut result = None;
    while let Some(mut tag) = root.next_tag() {
        if tag.start_el().matches("ListMFADevicesResult") {
            result = Some(devices_of(&mut tag).ok()?);
        }
    }
    result
}

/// The serial numbers under `ListMFADevicesResult`.
fn devices_of(result: &mut ScopedDecoder) -> Result<Vec<String>, XmlDecodeError> {
    let mut serials = Vec::new();
    while let Some(mut tag) = result.next_tag() {
        if !tag.start_el().matches("MFADevices") {
            continue;
        }
        while let Some(mut member) = tag.next_tag() {
            while let Some(mut field) = member.next_tag() {
                if field.start_el().matches("SerialNumber") {
                    let serial = try_data(&mut field)?;
                    if !serial.trim().is_empty() {
                        serials.push(serial.trim().to_owned());
                    }
                }
            }
        }
    }
    Ok(serials)
}

/// POSTs a Query API form to `url`, signed for IAM with the keys; the status and body.
async fn post_signed(
    keys: &LongTermKeys,
    sts: &Endpoint,
    url: &str,
    signing_region: &str,
    body: &str,
) -> Result<(u16, String), AwsError> {
    use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
    use aws_sigv4::sign::v4;

    let bad = |detail: String| AwsError::Unreachable { detail };
    let uri: http::Uri = url
        .parse()
        .map_err(|e| bad(format!("'{url}' is not a URL: {e}")))?;
    let host = uri
        .authority()
        .map(|a| a.as_str().to_owned())
        .ok_or_else(|| bad(format!("'{url}' names no host")))?;
    let content_type = "application/x-www-form-urlencoded; charset=utf-8";
    let headers = [("host", host.as_str()), ("content-type", content_type)];

    let identity = sdk_credentials(keys).into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(signing_region)
        .name("iam")
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| bad(format!("cannot sign the request: {e}")))?
        .into();
    let signable = SignableRequest::new(
        "POST",
        url,
        headers.iter().copied(),
        SignableBody::Bytes(body.as_bytes()),
    )
    .map_err(|e| bad(format!("cannot sign the request: {e}")))?;
    let (instructions, _signature) = sign(signable, &params)
        .map_err(|e| bad(format!("cannot sign the request: {e}")))?
        .into_parts();

    let mut request = http::Request::builder()
        .method("POST")
        .uri(uri)
        .header("host", &host)
        .header("content-type", content_type)
        .body(SdkBody::from(body.to_owned()))
        .map_err(|e| bad(format!("cannot build the request: {e}")))?;
    instructions.apply_to_request_http1x(&mut request);
    let request = request
        .try_into()
        .map_err(|e| bad(format!("cannot build the request: {e}")))?;

    let connector = sts.network.connector();
    let exchange = async {
        let response = connector
            .call(request)
            .await
            .map_err(|e| bad(crate::aws::error::root_cause(&e)))?;
        let status = response.status().as_u16();
        let bytes = aws_smithy_types::byte_stream::ByteStream::new(response.into_body())
            .collect()
            .await
            .map_err(|e| AwsError::BadResponse {
                detail: format!("the answer broke off: {e}"),
            })?
            .into_bytes();
        Ok((status, String::from_utf8_lossy(&bytes).into_owned()))
    };
    match tokio::time::timeout(OPERATION_TIMEOUT, exchange).await {
        Ok(result) => result,
        Err(_) => Err(bad(format!(
            "no answer within {}s",
            OPERATION_TIMEOUT.as_secs()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callers_from_arns() {
        assert_eq!(
            Caller::from_arn("arn:aws:iam::123456789012:user/division/team/Bob"),
            Caller::User {
                partition: "aws".into(),
                name: "Bob".into()
            }
        );
        assert_eq!(
            Caller::from_arn("arn:aws-cn:iam::123456789012:root"),
            Caller::Root {
                partition: "aws-cn".into()
            }
        );
        for other in [
            "arn:aws:sts::123456789012:assumed-role/Admin/session",
            "arn:aws:sts::123456789012:federated-user/Bob",
            "arn:aws:iam::123456789012:user/",
            "not an arn",
        ] {
            assert_eq!(Caller::from_arn(other), Caller::Other, "{other}");
        }
    }

    #[test]
    fn body_encodes_the_user_name() {
        assert_eq!(
            list_devices_body(Some("a+b=c,d@e.f")),
            "Action=ListMFADevices&Version=2010-05-08&UserName=a%2Bb%3Dc%2Cd%40e.f"
        );
        assert_eq!(
            list_devices_body(None),
            "Action=ListMFADevices&Version=2010-05-08"
        );
    }

    #[test]
    fn reads_every_serial_number() {
        let xml = "<ListMFADevicesResponse><ListMFADevicesResult><MFADevices>\
            <member><UserName>bob</UserName><SerialNumber>arn:aws:iam::1:mfa/a</SerialNumber></member>\
            <member><SerialNumber>GAHT12345678</SerialNumber></member>\
            </MFADevices><IsTruncated>false</IsTruncated></ListMFADevicesResult></ListMFADevicesResponse>";
        assert_eq!(
            serial_numbers(xml),
            Some(vec![
                "arn:aws:iam::1:mfa/a".to_owned(),
                "GAHT12345678".to_owned()
            ])
        );
        let none = "<ListMFADevicesResponse><ListMFADevicesResult><MFADevices/>\
            </ListMFADevicesResult></ListMFADevicesResponse>";
        assert_eq!(serial_numbers(none), Some(vec![]));
    }

    #[test]
    fn entities_are_decoded_and_only_the_device_list_counts() {
        let xml = "<?xml version=\"1.0\"?>\n\
            <ListMFADevicesResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">\
            <ListMFADevicesResult><Marker><SerialNumber>not/a/device</SerialNumber></Marker>\
            <MFADevices><member><SerialNumber>arn&#58;aws&#x3a;iam::1:mfa/a&amp;b</SerialNumber>\
            <EnableDate>2026-01-01T00:00:00Z</EnableDate></member>\
            <member><SerialNumber>GAHT12345678</SerialNumber></member><member/></MFADevices>\
            </ListMFADevicesResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>\
            </ListMFADevicesResponse>";
        assert_eq!(
            serial_numbers(xml),
            Some(vec![
                "arn:aws:iam::1:mfa/a&b".to_owned(),
                "GAHT12345678".to_owned()
            ])
        );
    }

    #[test]
    fn other_bodies_are_not_device_lists() {
        for body in [
            "",
            "not xml",
            "<MFADevices><member><SerialNumber>x</SerialNumber></member></MFADevices>",
            "<ListMFADevicesResponse><Other/></ListMFADevicesResponse>",
            "<GetUserResponse><ListMFADevicesResult/></GetUserResponse>",
        ] {
            assert_eq!(serial_numbers(body), None, "{body}");
        }
    }

    #[test]
    fn error_answers_give_code_and_message() {
        let iam = "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">\
            <Error><Type>Sender</Type><Code>AccessDenied</Code>\
            <Message>User &quot;bob&quot; is not authorized &amp; so on</Message></Error>\
            <RequestId>1</RequestId></ErrorResponse>";
        assert_eq!(
            error_fields(iam),
            (
                Some("AccessDenied".to_owned()),
                Some("User \"bob\" is not authorized & so on".to_owned())
            )
        );
        let wrapped =
            "<Response><Errors><Error><Code>Throttling</Code></Error></Errors></Response>";
        assert_eq!(error_fields(wrapped), (Some("Throttling".to_owned()), None));
        assert_eq!(error_fields("Service Unavailable"), (None, None));
    }

    #[test]
    fn fido_keys_are_told_from_code_devices() {
        assert!(is_fido_key(
            "arn:aws:iam::123456789012:u2f/user/alice/fidosecuritykey-ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        ));
        assert!(is_fido_key(
            "arn:aws-cn:iam::123456789012:u2f/user/bob/key-1"
        ));
        for code_device in [
            "arn:aws:iam::123456789012:mfa/alice",
            "arn:aws:iam::123456789012:mfa/u2f/alice",
            "GAHT12345678",
        ] {
            assert!(!is_fido_key(code_device), "{code_device}");
        }
    }

    #[test]
    fn partitions_pick_the_iam_endpoint() {
        assert_eq!(iam_endpoint("aws").1, "us-east-1");
        assert_eq!(iam_endpoint("aws-cn").1, "cn-north-1");
        assert_eq!(
            iam_endpoint("aws-us-gov").0,
            "https://iam.us-gov.amazonaws.com"
        );
    }
}
