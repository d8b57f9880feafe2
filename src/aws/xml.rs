//! The XML of AWS's query APIs (STS, IAM): an answer that is whole, and
//! the code and message of an error answer.

/// Refuses a successful answer whose XML is not whole: the SDK reads a
/// body cut short as far as it goes, and would hand back empty fields.
#[derive(Debug)]
pub(crate) struct WholeAnswer;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_codes_from_wrapped_error_bodies() {
        let body = "<ErrorResponse><Errors><Error><Code>SignatureDoesNotMatch</Code>\
                    <Message>a &amp; b</Message></Error></Errors></ErrorResponse>";
        let (code, message) = error_fields(body);
        assert_eq!(code.as_deref(), Some("SignatureDoesNotMatch"));
        assert_eq!(message.as_deref(), Some("a & b"));
        assert_eq!(error_fields("<Other/>"), (None, None));
    }
}
