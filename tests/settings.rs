//! Settings, mail and rate limits, black-box: `/api/settings` (auth, masking, partial
//! PATCH, validation), the test email delivered to a real local SMTP sink (aiosmtpd,
//! installed by tests/run.sh), and the rate limiter reaching 429 and recovering.
//! Negative rows come first in each table.

mod common;

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::fixture::{self, Fixture};
use common::scenario::{As, Scenario, run};
use common::{Auth, Body, Resp, Server, is_pocketbase};
use serde_json::{Value, json};

const UNAUTHORIZED: &str = "The request requires valid record authorization token.";
const FORBIDDEN: &str = "The authorized record is not allowed to perform this action.";
const SAVE_FAILED: &str = "An error occurred while saving the new settings.";
const LOAD_FAILED: &str = "An error occurred while loading the submitted data.";
const TEST_EMAIL_FAILED: &str = "Failed to send the test email.";
const TOO_MANY: &str = r#"{"data":{},"message":"Too Many Requests.","status":429}"#;

fn fresh() -> (Server, Fixture) {
    let s = Server::start();
    let fx = fixture::setup(&s);
    (s, fx)
}

#[test]
fn settings_api() {
    let (s, fx) = fresh();
    run(
        &s,
        &fx,
        &[
            Scenario {
                name: "guests may not read the settings",
                url: "/api/settings",
                expect_status: 401,
                expect_json: vec![("/message", json!(UNAUTHORIZED)), ("/data", json!({}))],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "a garbage token is a guest",
                url: "/api/settings",
                auth: As::Header("garbage"),
                expect_status: 401,
                ..Scenario::EMPTY
            },
            Scenario {
                name: "a regular user may not read the settings",
                url: "/api/settings",
                auth: As::User1,
                expect_status: 403,
                expect_json: vec![("/message", json!(FORBIDDEN))],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "guests may not change the settings",
                method: "PATCH",
                url: "/api/settings",
                json: Some(|| json!({"meta": {"appName": "x"}})),
                expect_status: 401,
                ..Scenario::EMPTY
            },
            Scenario {
                name: "a regular user may not change the settings",
                method: "PATCH",
                url: "/api/settings",
                auth: As::User1,
                json: Some(|| json!({"meta": {"appName": "x"}})),
                expect_status: 403,
                ..Scenario::EMPTY
            },
            Scenario {
                name: "guests may not send test emails",
                method: "POST",
                url: "/api/settings/test/email",
                json: Some(|| json!({"email": "a@example.com", "template": "otp"})),
                expect_status: 401,
                ..Scenario::EMPTY
            },
            Scenario {
                name: "an invalid app URL is a field error under its section",
                method: "PATCH",
                url: "/api/settings",
                auth: As::Superuser,
                json: Some(|| json!({"meta": {"appURL": "not a url"}})),
                expect_status: 400,
                expect_json: vec![
                    ("/message", json!(SAVE_FAILED)),
                    ("/data/meta/appURL/code", json!("validation_is_url")),
                ],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "an enabled SMTP needs a host, and the port may not be negative",
                method: "PATCH",
                url: "/api/settings",
                auth: As::Superuser,
                json: Some(|| json!({"smtp": {"enabled": true, "host": "", "port": -1}})),
                expect_status: 400,
                expect_json: vec![
                    ("/data/smtp/host/code", json!("validation_required")),
                    (
                        "/data/smtp/port/code",
                        json!("validation_min_greater_equal_than_required"),
                    ),
                    ("/data/smtp/port/params", json!({"threshold": 0})),
                ],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "two rate limit rules with the same label conflict",
                method: "PATCH",
                url: "/api/settings",
                auth: As::Superuser,
                json: Some(|| {
                    json!({"rateLimits": {"rules": [
                        {"label": "*:auth", "duration": 1, "maxRequests": 1},
                        {"label": "*:auth", "duration": 1, "maxRequests": 1},
                    ]}})
                }),
                expect_status: 400,
                expect_json: vec![
                    (
                        "/data/rateLimits/rules/1/label/code",
                        json!("validation_conflicting_rate_limit_rule"),
                    ),
                    (
                        "/data/rateLimits/rules/1/label/params",
                        json!({"label": "*:auth"}),
                    ),
                ],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "a malformed rule and bad IPs are reported field by field",
                method: "PATCH",
                url: "/api/settings",
                auth: As::Superuser,
                json: Some(|| {
                    json!({"superuserIPs": ["nope"], "rateLimits": {
                        "excludedIPs": ["1.2.3.4", "x"],
                        "rules": [{"label": "bad label!", "audience": "x", "duration": 0, "maxRequests": 0}]
                    }})
                }),
                expect_status: 400,
                expect_json: vec![
                    (
                        "/data/rateLimits/rules/0/label/code",
                        json!("validation_match_invalid"),
                    ),
                    (
                        "/data/rateLimits/rules/0/audience/code",
                        json!("validation_in_invalid"),
                    ),
                    (
                        "/data/rateLimits/rules/0/duration/code",
                        json!("validation_required"),
                    ),
                    (
                        "/data/rateLimits/excludedIPs/1/code",
                        json!("validation_invlaid_ip_or_subnet"),
                    ),
                    (
                        "/data/superuserIPs/0/code",
                        json!("validation_invlaid_ip_or_subnet"),
                    ),
                ],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "a value of the wrong type is a loading error",
                method: "PATCH",
                url: "/api/settings",
                auth: As::Superuser,
                json: Some(|| json!({"smtp": {"port": "abc"}})),
                expect_status: 400,
                expect_json: vec![("/message", json!(LOAD_FAILED)), ("/data", json!({}))],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "an array body is a loading error",
                method: "PATCH",
                url: "/api/settings",
                auth: As::Superuser,
                raw: Some("[]"),
                expect_status: 400,
                expect_json: vec![("/message", json!(LOAD_FAILED))],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "a null body is a 400 (PocketBase answers 500)",
                method: "PATCH",
                url: "/api/settings",
                auth: As::Superuser,
                raw: Some("null"),
                expect_status: 400,
                expect_json: vec![("/message", json!(LOAD_FAILED))],
                lifebase_only: true,
                ..Scenario::EMPTY
            },
            Scenario {
                name: "the test email needs an address and a known template",
                method: "POST",
                url: "/api/settings/test/email",
                auth: As::Superuser,
                json: Some(|| json!({})),
                expect_status: 400,
                expect_json: vec![
                    ("/message", json!(TEST_EMAIL_FAILED)),
                    ("/data/email/code", json!("validation_required")),
                    ("/data/template/code", json!("validation_required")),
                ],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "the test email rejects bad addresses, templates and collections",
                method: "POST",
                url: "/api/settings/test/email",
                auth: As::Superuser,
                json: Some(|| json!({"email": "bad", "template": "nope", "collection": "posts"})),
                expect_status: 400,
                expect_json: vec![
                    ("/data/email/code", json!("validation_is_email")),
                    ("/data/template/code", json!("validation_in_invalid")),
                    (
                        "/data/collection/code",
                        json!("validation_invalid_auth_collection"),
                    ),
                ],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "superusers read PocketBase's defaults",
                url: "/api/settings",
                auth: As::Superuser,
                expect_json: vec![
                    ("/meta/appName", json!("Acme")),
                    ("/meta/appURL", json!("http://localhost:8090")),
                    ("/smtp/enabled", json!(false)),
                    ("/smtp/port", json!(587)),
                    (
                        "/batch",
                        json!({"enabled": false, "maxRequests": 50, "timeout": 3, "maxBodySize": 0}),
                    ),
                    ("/rateLimits/enabled", json!(false)),
                    (
                        "/rateLimits/rules/0",
                        json!({"label": "*:auth", "audience": "", "duration": 3, "maxRequests": 2}),
                    ),
                    (
                        "/trustedProxy",
                        json!({"headers": [], "useLeftmostIP": false}),
                    ),
                    ("/superuserIPs", json!([])),
                    ("/backups/cronMaxKeep", json!(3)),
                    ("/logs/maxDays", json!(5)),
                ],
                expect_len: vec![("/rateLimits/rules", 4)],
                expect_not_in_body: vec![r#""password""#, r#""secret""#],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "a partial PATCH changes only what it names and hides secrets",
                method: "PATCH",
                url: "/api/settings",
                auth: As::Superuser,
                json: Some(|| {
                    json!({
                        "meta": {"appName": "Lifebase"},
                        "smtp": {"password": "hunter2-smtp"},
                        "s3": {"secret": "hunter2-s3"},
                        "backups": {"s3": {"secret": "hunter2-backups"}},
                    })
                }),
                expect_json: vec![
                    ("/meta/appName", json!("Lifebase")),
                    ("/meta/senderName", json!("Support")),
                    ("/smtp/host", json!("smtp.example.com")),
                ],
                expect_len: vec![("/rateLimits/rules", 4)],
                expect_not_in_body: vec!["hunter2", r#""password""#, r#""secret""#],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "an empty object changes nothing",
                method: "PATCH",
                url: "/api/settings",
                auth: As::Superuser,
                raw: Some("{}"),
                expect_json: vec![("/meta/appName", json!("Lifebase"))],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "the change is visible to the next read, secrets still hidden",
                url: "/api/settings",
                auth: As::Superuser,
                expect_json: vec![("/meta/appName", json!("Lifebase"))],
                expect_not_in_body: vec!["hunter2"],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "a failed PATCH leaves the settings as they were",
                method: "PATCH",
                url: "/api/settings",
                auth: As::Superuser,
                json: Some(|| json!({"meta": {"appName": "Changed", "appURL": "not a url"}})),
                expect_status: 400,
                ..Scenario::EMPTY
            },
            Scenario {
                name: "after the failed PATCH the name is unchanged",
                url: "/api/settings",
                auth: As::Superuser,
                expect_json: vec![("/meta/appName", json!("Lifebase"))],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "with SMTP disabled a test email is logged, not sent",
                method: "POST",
                url: "/api/settings/test/email",
                auth: As::Superuser,
                json: Some(|| json!({"email": "someone@example.com", "template": "verification"})),
                expect_status: 204,
                lifebase_only: true,
                ..Scenario::EMPTY
            },
            Scenario {
                name: "guests see an empty health data object",
                url: "/api/health",
                expect_json: vec![("/data", json!({})), ("/code", json!(200))],
                ..Scenario::EMPTY
            },
            Scenario {
                name: "superusers see the client IP in the health check",
                url: "/api/health",
                auth: As::Superuser,
                expect_json: vec![
                    ("/data/realIP", json!("127.0.0.1")),
                    ("/data/possibleProxyHeader", json!("")),
                ],
                ..Scenario::EMPTY
            },
        ],
    );
}

#[test]
fn settings_survive_a_restart() {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    {
        let mut s = Server::start_in(&data, tmp.path());
        s.must(
            "PATCH",
            "/api/settings",
            Auth::Superuser,
            Body::Json(json!({"meta": {"appName": "Kept"}, "smtp": {"password": "pw-kept"}})),
            200,
        );
        s.stop();
    }
    let s = Server::start_in(&data, tmp.path());
    let settings = s.must("GET", "/api/settings", Auth::Superuser, Body::None, 200);
    assert_eq!(settings["meta"]["appName"], json!("Kept"));
    assert_eq!(settings["meta"]["senderName"], json!("Support"));
    assert!(settings["smtp"].get("password").is_none(), "{settings}");
}

/// `n` failing logins on `users`, as a guest; their statuses.
fn logins(s: &Server, n: usize) -> Vec<u16> {
    (0..n)
        .map(|_| {
            let r = s.post(
                "/api/collections/users/auth-with-password",
                Auth::None,
                json!({"identity": "nobody@example.com", "password": "wrong-password"}),
            );
            if r.status == 429 {
                assert_eq!(r.text, TOO_MANY, "429 body");
            }
            r.status
        })
        .collect()
}

fn set(s: &Server, patch: Value) {
    s.must(
        "PATCH",
        "/api/settings",
        Auth::Superuser,
        Body::Json(patch),
        200,
    );
}

#[test]
fn rate_limits() {
    let s = Server::start();
    let tight = |extra: Value| {
        let mut rate_limits = json!({
            "enabled": true,
            "excludedIPs": [],
            "rules": [
                {"label": "*:auth", "audience": "", "duration": 2, "maxRequests": 2},
                {"label": "/api/", "audience": "", "duration": 10, "maxRequests": 1000},
            ],
        });
        if let (Some(base), Value::Object(extra)) = (rate_limits.as_object_mut(), extra) {
            base.extend(extra);
        }
        json!({"rateLimits": rate_limits})
    };

    // Disabled (the default): never limited.
    assert_eq!(
        logins(&s, 4),
        [400, 400, 400, 400],
        "rate limits are off by default"
    );

    // Excluded IPs are never limited.
    set(&s, tight(json!({"excludedIPs": ["127.0.0.0/8"]})));
    assert_eq!(logins(&s, 4), [400, 400, 400, 400], "127.0.0.1 is excluded");

    // A rule for authenticated records only does not apply to guests.
    set(
        &s,
        tight(
            json!({"rules": [{"label": "*:auth", "audience": "@auth", "duration": 2, "maxRequests": 1}]}),
        ),
    );
    assert_eq!(logins(&s, 3), [400, 400, 400], "@auth rule skips guests");

    // The tight `*:auth` rule: the third login within the window is refused...
    set(&s, tight(json!({})));
    let started = Instant::now();
    assert_eq!(logins(&s, 3), [400, 400, 429], "third login is limited");
    // ...superusers are never limited, even on the same route...
    let r = s.post(
        "/api/collections/users/auth-with-password",
        Auth::Superuser,
        json!({"identity": "nobody@example.com", "password": "wrong-password"}),
    );
    assert_eq!(r.status, 400, "superusers skip rate limits: {}", r.text);
    // ...other routes use their own rule...
    assert_eq!(s.get("/api/health", Auth::None).status, 200);
    // ...and the window ends.
    let deadline = started + Duration::from_secs(10);
    loop {
        std::thread::sleep(Duration::from_millis(500));
        let status = logins(&s, 1)[0];
        if status == 400 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "still limited 10 s after a 2 s window"
        );
    }
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "recovered too early"
    );
}

#[test]
fn trusted_proxy_header_names_the_client() {
    let s = Server::start();
    set(
        &s,
        json!({
            "trustedProxy": {"headers": ["X-Client-Ip"], "useLeftmostIP": true},
            "rateLimits": {"enabled": true, "rules": [
                {"label": "*:auth", "audience": "", "duration": 60, "maxRequests": 1},
            ]},
        }),
    );
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into();
    let health = agent
        .get(format!("{}/api/health", s.base))
        .header("Authorization", &s.token)
        .header("X-Client-Ip", "10.1.2.3, 10.9.9.9")
        .call()
        .expect("health")
        .into_body()
        .read_json::<Value>()
        .expect("json");
    assert_eq!(health["data"]["realIP"], json!("10.1.2.3"), "{health}");
    assert_eq!(health["data"]["possibleProxyHeader"], json!("X-Client-Ip"));
    let login = |client: &str| {
        agent
            .post(format!(
                "{}/api/collections/users/auth-with-password",
                s.base
            ))
            .header("X-Client-Ip", client)
            .send_json(json!({"identity": "nobody@example.com", "password": "wrong-password"}))
            .expect("login")
            .status()
            .as_u16()
    };
    assert_eq!(
        [login("10.0.0.1"), login("10.0.0.1"), login("10.0.0.2")],
        [400, 429, 400],
        "each client IP has its own window"
    );
}

/// A local SMTP server (aiosmtpd) that stores every mail in a maildir.
struct SmtpSink {
    child: Child,
    port: u16,
    maildir: PathBuf,
    _tmp: tempfile::TempDir,
}

impl SmtpSink {
    fn start() -> SmtpSink {
        let pydeps = std::env::var_os("LB_PYDEPS")
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/pydeps"));
        let tmp = tempfile::tempdir().expect("tmp");
        let maildir = tmp.path().join("mail");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("free port")
            .port();
        let mut child = Command::new("python3")
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .env("PYTHONPATH", &pydeps)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("cannot start python3");
        let deadline = Instant::now() + Duration::from_secs(15);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = child.try_wait() {
                let mut stderr = String::new();
                if let Some(mut pipe) = child.stderr.take() {
                    let _ = std::io::Read::read_to_string(&mut pipe, &mut stderr);
                }
                panic!(
                    "aiosmtpd exited ({status}); is it installed in {} (LB_PYDEPS)? \
                     `bash tests/run.sh` installs it.\n{stderr}",
                    pydeps.display()
                );
            }
            assert!(
                Instant::now() < deadline,
                "aiosmtpd did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        SmtpSink {
            child,
            port,
            maildir,
            _tmp: tmp,
        }
    }

    /// Waits for the `n`th mail and returns the raw messages received so far.
    fn wait_for(&self, n: usize) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let mut mails: Vec<String> = std::fs::read_dir(self.maildir.join("new"))
                .map(|entries| {
                    entries
                        .flatten()
                        .filter_map(|entry| std::fs::read_to_string(entry.path()).ok())
                        .collect()
                })
                .unwrap_or_default();
            if mails.len() >= n {
                mails.sort();
                return mails;
            }
            assert!(Instant::now() < deadline, "no mail arrived within 15 s");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn header<'a>(mail: &'a str, name: &str) -> Option<&'a str> {
    mail.lines()
        .take_while(|line| !line.is_empty())
        .find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name).then(|| value.trim())
        })
}

#[test]
fn test_email_reaches_the_smtp_server() {
    let sink = SmtpSink::start();
    let s = Server::start();
    set(
        &s,
        json!({
            "meta": {"appName": "Lifebase Test", "senderName": "Life Base", "senderAddress": "noreply@lifebase.test"},
            "smtp": {"enabled": true, "host": "127.0.0.1", "port": sink.port, "tls": false},
        }),
    );
    let r: Resp = s.post(
        "/api/settings/test/email",
        Auth::Superuser,
        json!({"email": "someone@example.com", "template": "password-reset"}),
    );
    assert_eq!(r.status, 204, "{}", r.text);
    let mails = sink.wait_for(1);
    let mail = &mails[0];
    let from = header(mail, "From").unwrap_or_default();
    assert!(
        from.contains("Life Base") && from.contains("<noreply@lifebase.test>"),
        "From: {from}\n{mail}"
    );
    assert_eq!(header(mail, "To"), Some("someone@example.com"), "{mail}");
    assert_eq!(
        header(mail, "Subject"),
        Some("Reset your Lifebase Test password"),
        "{mail}"
    );

    // A server that refuses the connection: a 400 that never shows the password.
    set(
        &s,
        json!({"smtp": {"port": 1, "username": "user", "password": "hunter2-smtp"}}),
    );
    let r = s.post(
        "/api/settings/test/email",
        Auth::Superuser,
        json!({"email": "someone@example.com", "template": "otp"}),
    );
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(
        r.json["message"]
            .as_str()
            .is_some_and(|m| m.starts_with(TEST_EMAIL_FAILED)),
        "{}",
        r.text
    );
    assert!(!r.text.contains("hunter2"), "{}", r.text);
    if !is_pocketbase() {
        assert!(
            !s.stderr().contains("hunter2"),
            "password in the server log"
        );
    }
}
