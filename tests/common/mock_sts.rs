//! A tiny HTTP server for STS answers moto cannot give: error codes, hangs,
//! garbage. Each test gets its own, on its own port.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the server does with a request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// An HTTP status and body.
    Status(u16, String),
    /// Read the request, then never answer (until the test ends).
    Hang,
    /// Send the start of a 200 answer, then close the connection.
    CloseMidResponse,
    /// An HTTP status and body, with a `Date` header this many seconds from now
    /// (a server whose clock differs from this machine's).
    Dated(u16, String, i64),
}

/// `Sun, 06 Nov 1994 08:49:37 GMT` for a Unix time.
pub fn http_date(unix: i64) -> String {
    // awsmfa's own RFC 3339 form, "1994-11-06T08:49:37Z", rearranged.
    let iso = awsmfa::time::Timestamp(unix).to_string();
    let (date, time) = (&iso[..10], &iso[11..19]);
    let month: usize = date[5..7].parse().unwrap();
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    let weekday = weekdays[unix.div_euclid(86_400).rem_euclid(7) as usize];
    format!(
        "{weekday}, {} {} {} {time} GMT",
        &date[8..10],
        months[month - 1],
        &date[..4]
    )
}

pub struct MockSts {
    pub port: u16,
    requests: Arc<AtomicUsize>,
    bodies: Arc<Mutex<Vec<String>>>,
    heads: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
}

/// A successful GetSessionToken answer, with a session valid until 2999.
pub fn session_reply() -> Reply {
    Reply::Status(200, session_token_ok("2999-01-01T00:00:00Z"))
}

/// The XML body of a successful GetSessionToken, with fake credentials.
pub fn session_token_ok(expiration: &str) -> String {
    format!(
        "<GetSessionTokenResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
         <GetSessionTokenResult><Credentials>\
         <AccessKeyId>ASIAFAKEMOCKSESSION0</AccessKeyId>\
         <SecretAccessKey>fakeMockSessionSecret/000000000000000000</SecretAccessKey>\
         <SessionToken>FakeMockSessionToken+/=</SessionToken>\
         <Expiration>{expiration}</Expiration>\
         </Credentials></GetSessionTokenResult>\
         <ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetSessionTokenResponse>"
    )
}

/// The XML body STS sends with an error.
pub fn sts_error(code: &str, message: &str) -> String {
    format!(
        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
         <Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>\
         <RequestId>4f1a7d3e-0000-4000-8000-000000000000</RequestId></ErrorResponse>"
    )
}

impl MockSts {
    /// A server that answers every GetSessionToken with a session valid until 2999.
    pub fn issuing_sessions() -> MockSts {
        MockSts::start(vec![session_reply()])
    }

    /// Serves `replies` in turn; the last one repeats.
    pub fn start(replies: Vec<Reply>) -> MockSts {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        listener.set_nonblocking(true).unwrap();
        let requests = Arc::new(AtomicUsize::new(0));
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let heads = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (count, seen, stopping) = (requests.clone(), bodies.clone(), stop.clone());
        let seen_heads = heads.clone();
        std::thread::spawn(move || {
            let mut held = Vec::new();
            while !stopping.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        stream.set_nonblocking(false).unwrap();
                        let n = count.fetch_add(1, Ordering::SeqCst);
                        let reply = replies[n.min(replies.len() - 1)].clone();
                        if let Some(stream) = serve(stream, &reply, &seen, &seen_heads) {
                            held.push(stream);
                        }
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        MockSts {
            port,
            requests,
            bodies,
            heads,
            stop,
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// How many connections carried a request.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    /// The request lines and headers received.
    pub fn heads(&self) -> Vec<String> {
        self.heads.lock().unwrap().clone()
    }

    /// The request bodies received.
    pub fn bodies(&self) -> Vec<String> {
        self.bodies.lock().unwrap().clone()
    }
}

impl Drop for MockSts {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// Reads one request and answers it; returns the stream to keep open when hanging.
fn serve(
    mut stream: TcpStream,
    reply: &Reply,
    seen: &Mutex<Vec<String>>,
    heads: &Mutex<Vec<String>>,
) -> Option<TcpStream> {
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let header_end = loop {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < header_end + length {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    heads
        .lock()
        .unwrap()
        .push(String::from_utf8_lossy(&buf[..header_end]).into_owned());
    seen.lock()
        .unwrap()
        .push(String::from_utf8_lossy(&buf[header_end..]).into_owned());
    match reply {
        Reply::Hang => Some(stream),
        Reply::CloseMidResponse => {
            let head = "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 900\r\n\r\n";
            let _ = stream.write_all(format!("{head}<GetSessionTokenResponse><GetSess").as_bytes());
            None
        }
        Reply::Status(_, _) | Reply::Dated(_, _, _) => {
            let (status, body, date) = match reply {
                Reply::Status(status, body) => (status, body, String::new()),
                Reply::Dated(status, body, offset) => {
                    let now = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .unwrap()
                        .as_secs() as i64;
                    (
                        status,
                        body,
                        format!("Date: {}\r\n", http_date(now + offset)),
                    )
                }
                _ => unreachable!(),
            };
            let response = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n{date}Connection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(response.as_bytes());
            None
        }
    }
}
