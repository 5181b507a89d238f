//! The admin UI over plain HTTP: a signed-in session (cookie + CSRF token) that loads pages
//! and sends Datastar actions, and a parser for the SSE answers, so every page and action
//! can be asserted as text without a browser.

use std::time::Duration;

use serde_json::{Value, json};

use super::{SUPERUSER_EMAIL, SUPERUSER_PASSWORD, Server};

/// One Datastar event of an answer: its name and its `data:` lines as `(key, value)`.
#[derive(Debug, Clone)]
pub struct Event {
    pub name: String,
    pub lines: Vec<(String, String)>,
}

impl Event {
    /// The lines of one key joined with newlines, as the client joins them.
    pub fn arg(&self, key: &str) -> String {
        self.lines
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Splits an SSE answer into events.
pub fn events(text: &str) -> Vec<Event> {
    let mut out = vec![];
    for block in text.split("\n\n") {
        let mut name = String::new();
        let mut lines = vec![];
        for line in block.lines() {
            if let Some(rest) = line.strip_prefix("event: ") {
                name = rest.to_string();
            } else if let Some(rest) = line.strip_prefix("data: ") {
                let (key, value) = rest.split_once(' ').unwrap_or((rest, ""));
                lines.push((key.to_string(), value.to_string()));
            }
        }
        if !name.is_empty() {
            out.push(Event { name, lines });
        }
    }
    out
}

/// An answer of the UI.
#[derive(Debug, Clone)]
pub struct UiResp {
    pub status: u16,
    pub text: String,
    pub location: Option<String>,
    pub content_type: String,
    pub set_cookie: Vec<String>,
}

impl UiResp {
    pub fn events(&self) -> Vec<Event> {
        events(&self.text)
    }

    /// The merged signals of every `datastar-merge-signals` event.
    pub fn signals(&self) -> Value {
        let mut merged = serde_json::Map::new();
        for event in self.events() {
            if event.name == "datastar-merge-signals"
                && let Ok(Value::Object(map)) = serde_json::from_str(&event.arg("signals"))
            {
                merged.extend(map);
            }
        }
        Value::Object(merged)
    }

    /// Every fragment sent, concatenated (for substring checks).
    pub fn fragments(&self) -> String {
        self.events()
            .iter()
            .filter(|event| event.name == "datastar-merge-fragments")
            .map(|event| event.arg("fragments"))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The scripts sent (redirects are `window.location.assign("...")`).
    pub fn scripts(&self) -> Vec<String> {
        self.events()
            .iter()
            .filter(|event| event.name == "datastar-execute-script")
            .map(|event| event.arg("script"))
            .collect()
    }
}

/// A browser-less client of the admin UI.
pub struct Ui {
    pub base: String,
    agent: ureq::Agent,
    pub cookie: Option<String>,
    pub csrf: String,
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

impl Ui {
    /// A client without a session.
    pub fn anonymous(server: &Server) -> Ui {
        Ui {
            base: server.base.clone(),
            agent: agent(),
            cookie: None,
            csrf: String::new(),
        }
    }

    /// Signs in as the test superuser and reads the CSRF token from a page.
    pub fn sign_in(server: &Server) -> Ui {
        let mut ui = Ui::anonymous(server);
        let resp = ui.action(
            "POST",
            "/_/login",
            json!({"email": SUPERUSER_EMAIL, "password": SUPERUSER_PASSWORD}),
        );
        assert_eq!(resp.status, 200, "sign in: {}", resp.text);
        let cookie = resp
            .set_cookie
            .iter()
            .find(|c| c.starts_with("lb_admin="))
            .unwrap_or_else(|| panic!("sign in sets no session cookie: {resp:?}"));
        ui.cookie = Some(cookie.split(';').next().unwrap_or_default().to_string());
        let page = ui.page("/_/collections");
        assert_eq!(page.status, 200, "collections page: {}", page.text);
        ui.csrf = meta_csrf(&page.text).expect("the page embeds a CSRF token");
        ui
    }

    /// Loads a page (no redirects followed).
    pub fn page(&self, path: &str) -> UiResp {
        self.send("GET", path, &[], None)
    }

    /// Sends a Datastar action with signals: a JSON body, or the `datastar` query
    /// parameter on GET.
    pub fn action(&self, method: &str, path: &str, signals: Value) -> UiResp {
        let headers = [
            ("Datastar-Request", "true"),
            ("X-CSRF-Token", self.csrf.as_str()),
        ];
        if method == "GET" {
            let query =
                serde_urlencoded::to_string([("datastar", signals.to_string())]).expect("query");
            let sep = if path.contains('?') { '&' } else { '?' };
            self.send(method, &format!("{path}{sep}{query}"), &headers, None)
        } else {
            let body = (
                "application/json".to_string(),
                signals.to_string().into_bytes(),
            );
            self.send(method, path, &headers, Some(body))
        }
    }

    /// Sends a request with any headers and body (for CSRF and origin checks).
    pub fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<(String, Vec<u8>)>,
    ) -> UiResp {
        let mut builder = ureq::http::Request::builder()
            .method(method)
            .uri(format!("{}{}", self.base, path));
        if let Some(cookie) = &self.cookie {
            builder = builder.header("Cookie", cookie);
        }
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let result = match body {
            Some((content_type, bytes)) => self.agent.run(
                builder
                    .header("Content-Type", content_type)
                    .body(bytes)
                    .expect("request"),
            ),
            None => self
                .agent
                .run(builder.body(ureq::SendBody::none()).expect("request")),
        };
        let mut resp = result.unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let location = header("location");
        let content_type = header("content-type").unwrap_or_default();
        let set_cookie = resp
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_string))
            .collect();
        let status = resp.status().as_u16();
        let text = resp
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_string()
            .unwrap_or_default();
        UiResp {
            status,
            text,
            location,
            content_type,
            set_cookie,
        }
    }
}

/// The CSRF token a page embeds in `<meta name="csrf-token">`.
pub fn meta_csrf(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf-token\" content=\"")?;
    let rest = &html[at + "name=\"csrf-token\" content=\"".len()..];
    Some(rest[..rest.find('"')?].to_string())
}
