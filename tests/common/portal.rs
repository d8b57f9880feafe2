//! The SSO stand-in, tests/support/sso_portal.py: SSO OIDC and the SSO
//! portal on one loopback port, in the mode its flags choose (its docstring
//! lists endpoints and flags), logging every request it receives.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Stdio};

use super::peer;

/// A running stand-in; killed when dropped.
pub struct Portal {
    child: Child,
    pub port: u16,
    /// One JSON line per request: method, path (with the query), bearer,
    /// body (a POST's JSON without clientSecret), time (monotonic seconds).
    pub log: tempfile::NamedTempFile,
}

/// An HTTP answer of the stand-in, as [`Portal::get`] read it.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Answer {
    /// The first header named `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl Portal {
    /// Starts the stand-in with `flags` (e.g. `&["--device-mode", "deny"]`).
    /// None when python3 is missing outside CI (see [`peer`]).
    pub fn start(flags: &[&str]) -> Option<Portal> {
        let python = peer("python3")?;
        let log = tempfile::NamedTempFile::new().unwrap();
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/sso_portal.py");
        let mut child = std::process::Command::new(python)
            .arg(script)
            .arg(log.path())
            .args(flags)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line.trim().parse().expect("sso_portal.py prints its port");
        Some(Portal { child, port, log })
    }

    /// `http://127.0.0.1:PORT`: the OIDC and the portal endpoint alike.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Every log line, as JSON.
    pub fn entries(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(self.log.path())
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// The requests received: (method, path, bearer token).
    pub fn requests(&self) -> Vec<(String, String, Option<String>)> {
        self.entries()
            .into_iter()
            .map(|v| {
                (
                    v["method"].as_str().unwrap().to_owned(),
                    v["path"].as_str().unwrap().to_owned(),
                    v["bearer"].as_str().map(str::to_owned),
                )
            })
            .collect()
    }

    /// The log lines of `method` requests to `path` (its query ignored).
    pub fn requests_to(&self, method: &str, path: &str) -> Vec<serde_json::Value> {
        self.entries()
            .into_iter()
            .filter(|v| {
                v["method"] == method && v["path"].as_str().unwrap().split('?').next() == Some(path)
            })
            .collect()
    }

    /// How many CreateToken requests (`POST /token`) arrived.
    pub fn token_requests(&self) -> usize {
        self.requests()
            .iter()
            .filter(|(method, path, _)| method == "POST" && path == "/token")
            .count()
    }

    /// The arrival times (monotonic seconds) of the `method` requests to `path`.
    pub fn times(&self, method: &str, path: &str) -> Vec<f64> {
        self.requests_to(method, path)
            .iter()
            .map(|v| v["time"].as_f64().unwrap())
            .collect()
    }

    /// `GET path` (with its query) as a browser sends it, not following a
    /// redirect: e.g. `/device?user_code=ABCD-0001` approves a device code.
    pub fn get(&self, path: &str) -> Answer {
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        write!(
            stream,
            "GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{}\r\n\r\n",
            self.port
        )
        .unwrap();
        let mut raw = String::new();
        stream.read_to_string(&mut raw).unwrap();
        let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .expect("an HTTP status line");
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
            .collect();
        Answer {
            status,
            headers,
            body: body.to_owned(),
        }
    }
}

impl Drop for Portal {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
