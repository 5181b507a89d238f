//! A tiny SMTP sink for the mail flows: listens on a loopback port, accepts every
//! message (plain SMTP, no TLS, no auth) and keeps them in memory for the tests to read.
//! Configure the server under test with `MailSink::configure`, then `wait_for` a mail.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;

use super::{Auth, Server};

/// One received message: its envelope recipients and its raw data.
#[derive(Clone, Debug)]
pub struct Received {
    pub to: Vec<String>,
    pub data: String,
}

impl Received {
    /// The message text with quoted-printable soft breaks and `=3D` undone and base64
    /// parts decoded, so tokens and codes can be searched in it.
    pub fn text(&self) -> String {
        let mut text = self.data.replace("=\r\n", "").replace("=3D", "=");
        // Decode base64 bodies (lines of base64 after a blank line in a base64 part).
        if self.data.to_lowercase().contains("base64") {
            let mut decoded = String::new();
            for block in self.data.split("\r\n\r\n") {
                let joined: String = block.lines().map(str::trim).collect();
                if joined.len() >= 16
                    && joined
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "+/=".contains(c))
                    && let Some(bytes) = decode_base64(&joined)
                {
                    decoded.push_str(&String::from_utf8_lossy(&bytes));
                    decoded.push('\n');
                }
            }
            text.push_str(&decoded);
        }
        text
    }

    /// The first JWT in the message.
    pub fn token(&self) -> Option<String> {
        let re =
            regex::Regex::new(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+").expect("re");
        re.find(&self.text()).map(|m| m.as_str().to_string())
    }

    /// The first run of `length` digits in a `<strong>` element (the OTP template).
    pub fn otp(&self) -> Option<String> {
        let re = regex::Regex::new(r"<strong>\s*(\d{4,64})\s*</strong>").expect("re");
        re.captures(&self.text()).map(|c| c[1].to_string())
    }
}

fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let bytes: Vec<u8> = text.bytes().filter(|b| *b != b'=').collect();
    let mut out = Vec::new();
    for chunk in bytes.chunks(4) {
        let mut acc = 0u32;
        for (i, b) in chunk.iter().enumerate() {
            acc |= value(*b)? << (18 - 6 * i);
        }
        let n = chunk.len() * 6 / 8;
        for i in 0..n {
            out.push((acc >> (16 - 8 * i)) as u8);
        }
    }
    Some(out)
}

pub struct MailSink {
    pub port: u16,
    received: Arc<Mutex<Vec<Received>>>,
}

impl MailSink {
    /// Starts the sink on a free loopback port; it lives as long as the test process.
    pub fn start() -> MailSink {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind smtp sink");
        let port = listener.local_addr().expect("addr").port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let store = received.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let store = store.clone();
                std::thread::spawn(move || {
                    let _ = session(stream, &store);
                });
            }
        });
        MailSink { port, received }
    }

    /// Points the server's SMTP settings at this sink (`PATCH /api/settings`). Returns the
    /// status of that request.
    pub fn configure(&self, server: &Server) -> u16 {
        let r = server.patch(
            "/api/settings",
            Auth::Superuser,
            json!({
                "meta": {"appName": "Acme", "appURL": "http://localhost:8090",
                         "senderName": "Support", "senderAddress": "support@example.com"},
                "smtp": {"enabled": true, "host": "127.0.0.1", "port": self.port,
                         "tls": false, "username": "", "password": ""}
            }),
        );
        r.status
    }

    pub fn all(&self) -> Vec<Received> {
        self.received.lock().map(|g| g.clone()).unwrap_or_default()
    }

    /// Waits up to 10 s for a message to `to` (the newest one after `skip` earlier ones).
    pub fn wait_for(&self, to: &str, skip: usize) -> Received {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let found: Vec<Received> = self
                .all()
                .into_iter()
                .filter(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(to)))
                .collect();
            if found.len() > skip {
                return found[skip].clone();
            }
            assert!(
                Instant::now() < deadline,
                "no mail #{skip} to {to} within 10 s; got: {:?}",
                self.all().iter().map(|m| &m.to).collect::<Vec<_>>()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// How many messages went to `to` so far.
    pub fn count_to(&self, to: &str) -> usize {
        self.all()
            .iter()
            .filter(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(to)))
            .count()
    }
}

fn session(stream: TcpStream, store: &Mutex<Vec<Received>>) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    writer.write_all(b"220 sink ESMTP\r\n")?;
    let mut to = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let upper = line.to_uppercase();
        if upper.starts_with("EHLO") {
            writer.write_all(b"250-sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")?;
        } else if upper.starts_with("HELO") || upper.starts_with("MAIL FROM") {
            writer.write_all(b"250 OK\r\n")?;
        } else if upper.starts_with("RCPT TO") {
            let address = line
                .split_once(':')
                .map(|(_, a)| a.trim().trim_start_matches('<'))
                .and_then(|a| a.split('>').next())
                .unwrap_or_default()
                .to_string();
            to.push(address);
            writer.write_all(b"250 OK\r\n")?;
        } else if upper.starts_with("DATA") {
            writer.write_all(b"354 go ahead\r\n")?;
            let mut data = String::new();
            loop {
                line.clear();
                if reader.read_line(&mut line)? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" || line == ".\n" {
                    break;
                }
                data.push_str(line.strip_prefix('.').unwrap_or(&line));
            }
            if let Ok(mut messages) = store.lock() {
                messages.push(Received {
                    to: std::mem::take(&mut to),
                    data,
                });
            }
            writer.write_all(b"250 OK queued\r\n")?;
        } else if upper.starts_with("QUIT") {
            writer.write_all(b"221 bye\r\n")?;
            return Ok(());
        } else if upper.starts_with("RSET") {
            to.clear();
            writer.write_all(b"250 OK\r\n")?;
        } else {
            writer.write_all(b"250 OK\r\n")?;
        }
    }
}
