//! Table-driven API scenarios (STYLE.md section 5), run over HTTP against the real binary.
//! Rows run in order against one server; every failure of every row is collected and
//! reported together. `{name}` placeholders in urls, bodies and expectations are filled
//! from the fixture's vars.

use serde_json::Value;

use super::fixture::Fixture;
use super::{Auth, Body, Resp, Server};

/// Who makes the request.
#[derive(Clone, Copy, Debug)]
pub enum As {
    Guest,
    Superuser,
    User1,
    User2,
    /// A raw `Authorization` header.
    Header(&'static str),
}

/// An extra assertion on a response; `Err(reason)` fails the row.
pub type Check = fn(&Resp) -> Result<(), String>;

pub struct Scenario {
    pub name: &'static str,
    pub method: &'static str,
    pub url: &'static str,
    pub auth: As,
    /// A JSON body (placeholders are filled in its strings).
    pub json: Option<fn() -> Value>,
    /// A raw body, sent with `Content-Type: application/json`.
    pub raw: Option<&'static str>,
    pub expect_status: u16,
    /// JSON pointer -> expected value.
    pub expect_json: Vec<(&'static str, Value)>,
    /// JSON pointer -> expected array length.
    pub expect_len: Vec<(&'static str, usize)>,
    /// Substrings of the compacted JSON body.
    pub expect_body: Vec<&'static str>,
    pub expect_not_in_body: Vec<&'static str>,
    /// Extra assertions; return `Err(reason)` to fail.
    pub check: Option<Check>,
    /// An improvement over PocketBase: skipped when the binary under test is PocketBase.
    pub lifebase_only: bool,
}

impl Scenario {
    pub const EMPTY: Scenario = Scenario {
        name: "",
        method: "GET",
        url: "",
        auth: As::Guest,
        json: None,
        raw: None,
        expect_status: 200,
        expect_json: Vec::new(),
        expect_len: Vec::new(),
        expect_body: Vec::new(),
        expect_not_in_body: Vec::new(),
        check: None,
        lifebase_only: false,
    };
}

fn subst_value(fx: &Fixture, v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(fx.subst(s)),
        Value::Array(a) => Value::Array(a.iter().map(|x| subst_value(fx, x)).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, x)| (fx.subst(k), subst_value(fx, x)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// PocketBase's error shape: exactly `{status, message, data}` with `status` = HTTP status.
pub fn check_error_shape(r: &Resp) -> Result<(), String> {
    let Some(o) = r.json.as_object() else {
        return Err(format!("error body is not a JSON object: {}", r.text));
    };
    let mut keys: Vec<&str> = o.keys().map(String::as_str).collect();
    keys.sort_unstable();
    if keys != ["data", "message", "status"] {
        return Err(format!(
            "error keys are {keys:?}, want [data, message, status]"
        ));
    }
    if o["status"] != r.status {
        return Err(format!(
            "error status field {} != HTTP {}",
            o["status"], r.status
        ));
    }
    if !o["message"].is_string() || !o["data"].is_object() {
        return Err("error message must be a string and data an object".into());
    }
    Ok(())
}

/// The list envelope: exactly `{items, page, perPage, totalItems, totalPages}`.
pub fn check_list_shape(r: &Resp) -> Result<(), String> {
    let Some(o) = r.json.as_object() else {
        return Err("list body is not an object".into());
    };
    let mut keys: Vec<&str> = o.keys().map(String::as_str).collect();
    keys.sort_unstable();
    if keys != ["items", "page", "perPage", "totalItems", "totalPages"] {
        return Err(format!("list keys are {keys:?}"));
    }
    if !o["items"].is_array() {
        return Err("items is not an array".into());
    }
    for k in ["page", "perPage", "totalItems", "totalPages"] {
        if !o[k].is_i64() {
            return Err(format!("{k} is not an integer: {}", o[k]));
        }
    }
    Ok(())
}

/// Runs the rows in order and panics with every failure at once.
pub fn run(server: &Server, fx: &Fixture, rows: &[Scenario]) {
    let pb = super::is_pocketbase();
    let mut failures = Vec::new();
    let mut ran = 0;
    for row in rows {
        if row.lifebase_only && pb {
            eprintln!("skip (lifebase-only improvement): {}", row.name);
            continue;
        }
        ran += 1;
        let auth = match row.auth {
            As::Guest => Auth::None,
            As::Superuser => Auth::Superuser,
            As::User1 => Auth::Token(fx.user1_token.clone()),
            As::User2 => Auth::Token(fx.user2_token.clone()),
            As::Header(h) => Auth::Raw(h),
        };
        let body = match (row.json, row.raw) {
            (Some(f), _) => Body::Json(subst_value(fx, &f())),
            (None, Some(raw)) => Body::Raw(fx.subst(raw)),
            (None, None) => Body::None,
        };
        let url = fx.subst(row.url);
        let r = server.request(row.method, &url, &auth, &body);
        let mut errs = Vec::new();
        if r.status >= 500 {
            errs.push(format!("server error {}", r.status));
        }
        if r.status != row.expect_status {
            errs.push(format!(
                "status {} != expected {}",
                r.status, row.expect_status
            ));
        }
        if r.status >= 400
            && let Err(e) = check_error_shape(&r)
        {
            errs.push(e);
        }
        if r.status == 204 && !r.text.is_empty() {
            errs.push("204 with a body".into());
        }
        for (ptr, want) in &row.expect_json {
            let want = subst_value(fx, want);
            match r.json.pointer(ptr) {
                Some(got) if *got == want => {}
                got => errs.push(format!("{ptr}: got {got:?}, want {want}")),
            }
        }
        for (ptr, n) in &row.expect_len {
            match r.json.pointer(ptr).and_then(Value::as_array) {
                Some(a) if a.len() == *n => {}
                Some(a) => errs.push(format!("{ptr}: length {} != {n}", a.len())),
                None => errs.push(format!("{ptr}: not an array")),
            }
        }
        let compact = if r.json.is_null() {
            r.text.clone()
        } else {
            serde_json::to_string(&r.json).expect("json")
        };
        for s in &row.expect_body {
            let s = fx.subst(s);
            if !compact.contains(&s) {
                errs.push(format!("body lacks {s}"));
            }
        }
        for s in &row.expect_not_in_body {
            let s = fx.subst(s);
            if compact.contains(&s) {
                errs.push(format!("body contains {s}"));
            }
        }
        if let Some(check) = row.check
            && let Err(e) = check(&r)
        {
            errs.push(e);
        }
        if !errs.is_empty() {
            let mut shown = compact;
            if shown.len() > 1500 {
                let mut cut = 1500;
                while !shown.is_char_boundary(cut) {
                    cut -= 1;
                }
                shown.truncate(cut);
                shown.push_str("...");
            }
            failures.push(format!(
                "row {:?}\n  {} {url}\n  - {}\n  body: {shown}",
                row.name,
                row.method,
                errs.join("\n  - ")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {ran} scenarios failed:\n{}\n--- server stderr (tail) ---\n{}",
        failures.len(),
        failures.join("\n"),
        tail(&server.stderr(), 3000)
    );
}

fn tail(s: &str, n: usize) -> &str {
    if s.len() <= n {
        return s;
    }
    let mut start = s.len() - n;
    while !s.is_char_boundary(start) {
        start += 1;
    }
    &s[start..]
}
