//! Black-box harness: runs the real server binary as a user would.
//! It starts `lifebase serve` (or any binary with PocketBase's CLI shape, chosen with
//! `LB_TEST_BIN`, e.g. a real `pocketbase` for side-by-side checks) on a free loopback
//! port with a fresh data dir, creates a superuser first, waits for `/api/health`,
//! logs in and kills the process on drop. Start at `Server::start()`.

#![allow(
    dead_code,
    unreachable_pub,
    reason = "each test binary uses a different subset"
)]

use std::fs::File;
use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub mod fixture;
pub mod mail;
pub mod scenario;
pub mod sse;
pub mod ui;

pub const SUPERUSER_EMAIL: &str = "root@example.com";
pub const SUPERUSER_PASSWORD: &str = "Sup3r-secret-pass";
/// How long a server may take to answer `/api/health` after start.
const START_TIMEOUT: Duration = Duration::from_secs(15);
/// Upper bound for any single HTTP request made by the tests.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The binary under test: `LB_TEST_BIN` if set, else the `lifebase` built by cargo.
pub fn bin() -> PathBuf {
    match std::env::var_os("LB_TEST_BIN") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => PathBuf::from(env!("CARGO_BIN_EXE_lifebase")),
    }
}

/// True when the binary under test is a real PocketBase (side-by-side run).
/// Rows marked `lifebase_only` are skipped then, because they assert improvements.
pub fn is_pocketbase() -> bool {
    bin()
        .file_name()
        .is_some_and(|n| n.to_string_lossy().contains("pocketbase"))
}

/// Who a request is made as.
#[derive(Clone, Debug, Default)]
pub enum Auth {
    #[default]
    None,
    Superuser,
    Token(String),
    /// A raw `Authorization` header value, e.g. garbage.
    Raw(&'static str),
}

/// A request body.
#[derive(Clone, Debug, Default)]
pub enum Body {
    #[default]
    None,
    Json(Value),
    /// Sent as is with `Content-Type: application/json`.
    Raw(String),
    /// Sent as is with the given content type (multipart bodies).
    Bytes(String, Vec<u8>),
}

/// A `multipart/form-data` body of text fields and files `(field, filename, bytes)`.
pub fn multipart(fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> Body {
    let boundary = "lifebase-test-boundary-7f3a9c";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    for (name, filename, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    Body::Bytes(format!("multipart/form-data; boundary={boundary}"), body)
}

/// A response: status, raw text and the text parsed as JSON (`Value::Null` when it is not JSON).
#[derive(Clone, Debug)]
pub struct Resp {
    pub status: u16,
    pub text: String,
    pub json: Value,
}

pub struct Server {
    child: Option<Child>,
    pub base: String,
    pub port: u16,
    /// The data dir passed with `--dir`.
    pub data_dir: PathBuf,
    /// Holds the temp dir alive (data dir and logs) unless the caller owns it.
    _tmp: Option<tempfile::TempDir>,
    log_dir: PathBuf,
    pub token: String,
    agent: ureq::Agent,
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(REQUEST_TIMEOUT))
        .timeout_connect(Some(Duration::from_secs(2)))
        .build()
        .into()
}

fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    l.local_addr().expect("local addr").port()
}

fn read_file(p: &Path) -> String {
    let mut s = String::new();
    if let Ok(mut f) = File::open(p) {
        let _ = f.read_to_string(&mut s);
    }
    s
}

impl Server {
    /// Starts a server with a fresh temp data dir and a superuser.
    pub fn start() -> Server {
        let tmp = tempfile::tempdir().expect("temp dir");
        let data_dir = tmp.path().join("data");
        let log_dir = tmp.path().to_path_buf();
        let mut s = Server::spawn(data_dir, log_dir, true);
        s._tmp = Some(tmp);
        s
    }

    /// Starts a server on a given data dir (for restart tests); logs go to `log_dir`.
    /// It runs `superuser upsert` first, which a fresh dir needs and an old one ignores.
    pub fn start_in(data_dir: &Path, log_dir: &Path) -> Server {
        Server::spawn(data_dir.to_path_buf(), log_dir.to_path_buf(), true)
    }

    fn spawn(data_dir: PathBuf, log_dir: PathBuf, upsert: bool) -> Server {
        let bin = bin();
        if upsert {
            let out = Command::new(&bin)
                .args([
                    "superuser",
                    "upsert",
                    SUPERUSER_EMAIL,
                    SUPERUSER_PASSWORD,
                    "--dir",
                ])
                .arg(&data_dir)
                .stdin(Stdio::null())
                .output()
                .unwrap_or_else(|e| panic!("cannot run {}: {e}", bin.display()));
            assert!(
                out.status.success(),
                "`{} superuser upsert` failed ({}):\nstdout: {}\nstderr: {}",
                bin.display(),
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        // The port is free when we ask, but another process may take it before the
        // server binds it; retry a few times when the server dies early.
        let mut last_err = String::new();
        for attempt in 0..3 {
            let port = free_port();
            let stdout_path = log_dir.join(format!("server-{port}.out"));
            let stderr_path = log_dir.join(format!("server-{port}.err"));
            let child = Command::new(&bin)
                .args(["serve", "--http", &format!("127.0.0.1:{port}"), "--dir"])
                .arg(&data_dir)
                .stdin(Stdio::null())
                .stdout(File::create(&stdout_path).expect("stdout log"))
                .stderr(File::create(&stderr_path).expect("stderr log"))
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
            let mut s = Server {
                child: Some(child),
                base: format!("http://127.0.0.1:{port}"),
                port,
                data_dir: data_dir.clone(),
                _tmp: None,
                log_dir: log_dir.clone(),
                token: String::new(),
                agent: agent(),
            };
            match s.wait_healthy() {
                Ok(()) => {
                    s.token = s.login_superuser();
                    return s;
                }
                Err(e) => {
                    last_err = format!(
                        "attempt {attempt}: {e}\n--- server stdout ---\n{}\n--- server stderr ---\n{}",
                        read_file(&stdout_path),
                        read_file(&stderr_path)
                    );
                    s.kill9();
                    if !e.contains("exited") {
                        break;
                    }
                }
            }
        }
        panic!(
            "server {} did not become healthy on 127.0.0.1 within {:?}:\n{last_err}",
            bin.display(),
            START_TIMEOUT
        );
    }

    fn wait_healthy(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + START_TIMEOUT;
        let url = format!("{}/api/health", self.base);
        let probe: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(1)))
            .build()
            .into();
        loop {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                return Err(format!("server exited early with {status}"));
            }
            if let Ok(r) = probe.get(&url).call()
                && r.status().as_u16() == 200
            {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err("timed out waiting for GET /api/health = 200".into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn login_superuser(&self) -> String {
        let r = self.post(
            "/api/collections/_superusers/auth-with-password",
            Auth::None,
            json!({"identity": SUPERUSER_EMAIL, "password": SUPERUSER_PASSWORD}),
        );
        assert_eq!(r.status, 200, "superuser login failed: {}", r.text);
        r.json["token"]
            .as_str()
            .unwrap_or_else(|| panic!("no token in {}", r.text))
            .to_string()
    }

    /// Logs in a record of an auth collection and returns its token.
    pub fn login(&self, collection: &str, identity: &str, password: &str) -> String {
        let r = self.post(
            &format!("/api/collections/{collection}/auth-with-password"),
            Auth::None,
            json!({"identity": identity, "password": password}),
        );
        assert_eq!(r.status, 200, "login of {identity} failed: {}", r.text);
        r.json["token"].as_str().expect("token").to_string()
    }

    /// The server's stderr so far (for failure messages).
    pub fn stderr(&self) -> String {
        read_file(&self.log_dir.join(format!("server-{}.err", self.port)))
    }

    /// Makes a request; `path` starts with `/`. Never panics on HTTP status.
    pub fn request(&self, method: &str, path: &str, auth: &Auth, body: &Body) -> Resp {
        let url = format!("{}{}", self.base, path);
        let mut b = ureq::http::Request::builder().method(method).uri(&url);
        match auth {
            Auth::None => {}
            Auth::Superuser => b = b.header("Authorization", &self.token),
            Auth::Token(t) => b = b.header("Authorization", t),
            Auth::Raw(t) => b = b.header("Authorization", *t),
        }
        let result = match body {
            Body::None => self
                .agent
                .run(b.body(ureq::SendBody::none()).expect("request")),
            Body::Json(v) => self.agent.run(
                b.header("Content-Type", "application/json")
                    .body(serde_json::to_vec(v).expect("json"))
                    .expect("request"),
            ),
            Body::Raw(s) => self.agent.run(
                b.header("Content-Type", "application/json")
                    .body(s.clone().into_bytes())
                    .expect("request"),
            ),
            Body::Bytes(content_type, bytes) => self.agent.run(
                b.header("Content-Type", content_type)
                    .body(bytes.clone())
                    .expect("request"),
            ),
        };
        let mut resp = result.unwrap_or_else(|e| {
            panic!(
                "{method} {path}: transport error {e}\n--- server stderr ---\n{}",
                self.stderr()
            )
        });
        let status = resp.status().as_u16();
        let text = resp
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_string()
            .unwrap_or_else(|e| panic!("{method} {path}: reading body: {e}"));
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Resp { status, text, json }
    }

    /// A GET that keeps the raw bytes and the headers (for file downloads).
    pub fn download(
        &self,
        path: &str,
    ) -> (u16, std::collections::BTreeMap<String, String>, Vec<u8>) {
        let url = format!("{}{}", self.base, path);
        let mut resp = self
            .agent
            .get(&url)
            .call()
            .unwrap_or_else(|e| panic!("GET {path}: transport error {e}"));
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_lowercase(),
                    v.to_str().unwrap_or("").to_string(),
                )
            })
            .collect();
        let bytes = resp
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_vec()
            .unwrap_or_else(|e| panic!("GET {path}: reading body: {e}"));
        (resp.status().as_u16(), headers, bytes)
    }

    pub fn get(&self, path: &str, auth: Auth) -> Resp {
        self.request("GET", path, &auth, &Body::None)
    }

    pub fn post(&self, path: &str, auth: Auth, body: Value) -> Resp {
        self.request("POST", path, &auth, &Body::Json(body))
    }

    pub fn patch(&self, path: &str, auth: Auth, body: Value) -> Resp {
        self.request("PATCH", path, &auth, &Body::Json(body))
    }

    pub fn delete(&self, path: &str, auth: Auth) -> Resp {
        self.request("DELETE", path, &auth, &Body::None)
    }

    /// Like `request` but asserts the status, with the body in the message.
    pub fn must(&self, method: &str, path: &str, auth: Auth, body: Body, status: u16) -> Value {
        let r = self.request(method, path, &auth, &body);
        assert_eq!(
            r.status, status,
            "{method} {path} -> {} (wanted {status}): {}",
            r.status, r.text
        );
        r.json
    }

    /// Kills the server with SIGKILL and waits for it to exit.
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Asks the server to stop with SIGTERM and waits up to 10 s, then SIGKILLs it.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &c.id().to_string()])
                .status();
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = c.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill9();
    }
}
