//! A real `moto_server` on its own loopback port, recording every request.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine;

pub struct Moto {
    child: Child,
    pub port: u16,
    recording: PathBuf,
    _dir: tempfile::TempDir,
}

/// One request moto received.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub authorization: String,
    pub body: String,
}

impl Recorded {
    /// The API action: `GetSessionToken`, `AssumeRole`...
    pub fn action(&self) -> String {
        self.param("Action").unwrap_or_default()
    }

    /// The access key that signed the request (from its SigV4 Authorization header).
    pub fn signer(&self) -> String {
        let credential = self
            .authorization
            .split("Credential=")
            .nth(1)
            .unwrap_or_default();
        credential.split('/').next().unwrap_or_default().to_owned()
    }

    /// A form parameter of the request body (`DurationSeconds`, `TokenCode`…).
    pub fn param(&self, name: &str) -> Option<String> {
        self.body.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            (k == name).then(|| percent_decode(v))
        })
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap()
}

impl Moto {
    /// Starts moto, or returns `None` (skip) when moto_server is not installed outside CI.
    pub fn start() -> Option<Moto> {
        Moto::start_with(&[])
    }

    /// Starts moto with extra environment (e.g. `INITIAL_NO_AUTH_ACTION_COUNT`).
    ///
    /// moto binds a port of its own choosing (`-p 0`) and says which: a port
    /// picked here and handed over could be taken by another test's server
    /// in between, and this test would then talk to that one.
    pub fn start_with(vars: &[(&str, &str)]) -> Option<Moto> {
        let program = super::peer("moto_server")?;
        let dir = tempfile::tempdir().unwrap();
        let recording = dir.path().join("requests.jsonl");
        let mut cmd = Command::new(&program);
        cmd.args(["-H", "127.0.0.1", "-p", "0"])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", dir.path())
            .env("MOTO_ENABLE_RECORDING", "true")
            .env("MOTO_RECORDER_FILEPATH", &recording)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (k, v) in vars {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start moto_server");
        // Its log goes to stderr: read the port from it, then keep draining it.
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Some(rest) = line.split("Running on http://127.0.0.1:").nth(1) {
                    let _ = tx.send(rest.trim().parse::<u16>().ok());
                }
            }
        });
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(Some(port)) => Some(Moto {
                child,
                port,
                recording,
                _dir: dir,
            }),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("moto_server did not start");
            }
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Every request moto received so far, in order.
    pub fn requests(&self) -> Vec<Recorded> {
        let text = std::fs::read_to_string(&self.recording).unwrap_or_default();
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|line| {
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                let raw = v["body"].as_str().unwrap_or_default();
                let body = if v["body_encoded"].as_bool().unwrap_or(false) {
                    let bytes = base64::engine::general_purpose::STANDARD
                        .decode(raw)
                        .unwrap();
                    String::from_utf8(bytes).unwrap()
                } else {
                    raw.to_owned()
                };
                Recorded {
                    authorization: v["headers"]["Authorization"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                    body,
                }
            })
            .collect()
    }

    /// The GetSessionToken requests moto received.
    pub fn session_token_requests(&self) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.param("Action").as_deref() == Some("GetSessionToken"))
            .collect()
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
