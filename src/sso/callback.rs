//! The loopback end of the authorization code grant: an HTTP server on
//! 127.0.0.1 only (never another interface), waiting for the browser to
//! bring back `code` and `state` on `/oauth/callback`.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use crate::error::Error;
use crate::secret::Secret;

/// The page the browser shows when the sign-in is through.
const DONE_PAGE: &str = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>awsmfa</title></head>\
<body><h1>Signed in</h1><p>awsmfa has the sign-in. You can close this window.</p></body></html>";

/// The page for a sign-in that did not go through.
const FAILED_PAGE: &str = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>awsmfa</title></head>\
<body><h1>Not signed in</h1><p>The sign-in did not go through: see the terminal. You can close this window.</p></body></html>";

/// The callback server, bound and listening.
pub struct Callback {
    listener: TcpListener,
    port: u16,
}

impl Callback {
    /// Binds 127.0.0.1:`port` (a free port when `None`).
    pub fn bind(port: Option<u16>) -> Result<Callback, Error> {
        let listener = TcpListener::bind(("127.0.0.1", port.unwrap_or(0))).map_err(|e| {
            Error::failure(format!(
                "cannot listen on 127.0.0.1:{} for the browser's answer: {e}",
                port.map_or("a free port".to_owned(), |p| p.to_string())
            ))
            .hint("pick another --port, or sign in with --use-device-code")
        })?;
        let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
        Ok(Callback { listener, port })
    }

    /// `http://127.0.0.1:PORT/oauth/callback`, as the authorize URL and the
    /// code's redemption name it.
    pub fn redirect_uri(&self) -> String {
        format!("http://127.0.0.1:{}/oauth/callback", self.port)
    }

    /// Waits until `deadline` for the browser's request on the callback
    /// path: its `code` when `state` matches. An `error` or another state
    /// is exit 1; no answer in time is exit 3. Requests for other paths (a
    /// favicon) are answered 404 and do not end the wait.
    pub fn wait(&self, state: &str, limit: Duration) -> Result<Secret, Error> {
        let deadline = Instant::now() + limit;
        self.listener.set_nonblocking(true).map_err(io_failure)?;
        loop {
            match self.listener.accept() {
                Ok((stream, _)) => {
                    if let Some(outcome) = answer(stream, state) {
                        return outcome;
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    if Instant::now() >= deadline {
                        return Err(Error::no_session(format!(
                            "no answer from the browser within {}: not signed in",
                            crate::time::human_span(limit.as_secs() as i64)
                        ))
                        .hint("run the command again and finish the sign-in in the browser, or use --use-device-code"));
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(io_failure(e)),
            }
        }
    }
}

fn io_failure(e: std::io::Error) -> Error {
    Error::failure(format!("the callback server failed: {e}"))
}

/// Reads one request and answers it; `Some` when it ends the wait.
fn answer(stream: TcpStream, state: &str) -> Option<Result<Secret, Error>> {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
    // A request head is small: reads stop after 16 KiB.
    let mut reader = BufReader::new(std::io::Read::take(stream, 16 * 1024));
    let mut first = String::new();
    if reader.read_line(&mut first).is_err() {
        return None;
    }
    // The rest of the head, unread, would make some browsers report an error.
    let mut line = String::new();
    while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
        line.clear();
    }
    let mut stream = reader.into_inner().into_inner();
    let mut parts = first.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if method != "GET" || path != "/oauth/callback" {
        reply(&mut stream, "404 Not Found", "not found");
        return None;
    }
    let pairs = super::pkce::query_pairs(query);
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    let outcome = match (get("error"), get("code"), get("state")) {
        (Some(error), _, _) => {
            let described = get("error_description")
                .map(|d| format!(": {}", clean(d)))
                .unwrap_or_default();
            Err(Error::failure(format!(
                "the sign-in was refused in the browser: {}{described}",
                clean(error)
            ))
            .hint("nothing was written; run the command again to retry"))
        }
        (None, Some(_), Some(got)) if got != state => Err(Error::failure(
            "the browser's answer is for another sign-in (its state does not match): not signed in",
        )
        .hint("nothing was written; run the command again, and finish only the sign-in it opens")),
        (None, Some(code), Some(_)) if !code.is_empty() => Ok(Secret::new(code)),
        _ => {
            reply(&mut stream, "400 Bad Request", FAILED_PAGE);
            return None;
        }
    };
    let page = if outcome.is_ok() {
        DONE_PAGE
    } else {
        FAILED_PAGE
    };
    reply(&mut stream, "200 OK", page);
    Some(outcome)
}

/// Text from the browser, fit for one line of a message.
fn clean(text: &str) -> String {
    let one: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(200)
        .collect();
    one.trim().to_owned()
}

fn reply(stream: &mut TcpStream, status: &str, body: &str) {
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.flush();
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn get(port: u16, target: &str) -> String {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        write!(stream, "GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        answer
    }

    fn wait_for(target: &'static [&'static str]) -> Result<Secret, Error> {
        let callback = Callback::bind(None).unwrap();
        let port = callback.port;
        let sender =
            std::thread::spawn(move || target.iter().map(|t| get(port, t)).collect::<Vec<_>>());
        let outcome = callback.wait("s1", Duration::from_secs(10));
        let answers = sender.join().unwrap();
        assert!(answers.last().unwrap().contains("awsmfa"));
        outcome
    }

    #[test]
    fn the_code_comes_back_with_its_state() {
        let code = wait_for(&["/favicon.ico", "/oauth/callback?code=c%2F1&state=s1"]).unwrap();
        assert_eq!(code.expose(), "c/1");
    }

    #[test]
    fn another_state_or_an_error_ends_the_wait_with_a_failure() {
        let err = wait_for(&["/oauth/callback?code=c&state=other"]).unwrap_err();
        assert!(err.to_string().contains("state does not match"), "{err}");
        let err =
            wait_for(&["/oauth/callback?error=access_denied&error_description=no%0Away&state=s1"])
                .unwrap_err();
        assert!(err.to_string().contains("access_denied: no way"), "{err}");
    }

    #[test]
    fn no_answer_in_time_is_no_session() {
        let callback = Callback::bind(None).unwrap();
        let err = callback.wait("s", Duration::from_millis(100)).unwrap_err();
        assert_eq!(err.code(), crate::exit_codes::ExitCode::NoSession);
    }

    #[test]
    fn it_listens_on_the_loopback_address_only() {
        let callback = Callback::bind(None).unwrap();
        let addr = callback.listener.local_addr().unwrap();
        assert!(addr.ip().is_loopback());
        assert!(callback.redirect_uri().starts_with("http://127.0.0.1:"));
    }
}
