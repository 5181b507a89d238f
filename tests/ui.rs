//! The admin UI's shell over plain HTTP (issue #5): sign-in and sign-out, the session
//! cookie, CSRF and origin checks, the embedded static files, the collections overview.
//! Datastar answers are asserted as SSE text. lifebase-only: PocketBase's dashboard is a
//! different application.

mod common;

use common::ui::{Ui, meta_csrf};
use common::{Auth, SUPERUSER_EMAIL, Server};
use serde_json::json;

fn lifebase_only() -> bool {
    if common::is_pocketbase() {
        println!("lifebase-only: the admin UI");
        return false;
    }
    true
}

#[test]
fn pages_need_a_session() {
    if !lifebase_only() {
        return;
    }
    let server = Server::start();
    let ui = Ui::anonymous(&server);
    for path in ["/_", "/_/", "/_/collections"] {
        let resp = ui.page(path);
        assert_eq!(resp.status, 303, "{path}");
        let expected = if path == "/_" { "/_/" } else { "/_/login" };
        assert_eq!(resp.location.as_deref(), Some(expected), "{path}");
    }
    // A Datastar action without a session is told to go to the sign-in page.
    let resp = ui.action("POST", "/_/logout", json!({}));
    assert_eq!(resp.status, 200);
    assert_eq!(
        resp.scripts(),
        ["window.location.assign(\"/_/login\")".to_string()]
    );
    let login = ui.page("/_/login");
    assert_eq!(login.status, 200);
    assert!(login.text.contains("<label for=\"email\">Email</label>"));
    assert!(
        login
            .text
            .contains("data-on-submit__prevent=\"@post(&#39;/_/login&#39;)\"")
            || login.text.contains("@post('/_/login')")
    );
}

#[test]
fn sign_in_refuses_wrong_credentials_and_sets_a_strict_cookie() {
    if !lifebase_only() {
        return;
    }
    let server = Server::start();
    let ui = Ui::anonymous(&server);
    for (signals, message) in [
        (
            json!({"email": SUPERUSER_EMAIL, "password": "wrong"}),
            "Invalid email or password.",
        ),
        (
            json!({"email": "nobody@example.com", "password": "x"}),
            "Invalid email or password.",
        ),
        (
            json!({"email": "", "password": ""}),
            "Enter your email and password.",
        ),
        (
            json!({"email": ["not", "text"]}),
            "Enter your email and password.",
        ),
    ] {
        let resp = ui.action("POST", "/_/login", signals.clone());
        assert_eq!(resp.status, 200, "{signals}");
        assert_eq!(resp.signals()["error"], message, "{signals}");
        assert!(resp.set_cookie.is_empty(), "{signals}");
    }
    // Not JSON at all: no signals, the same clear answer.
    let resp = ui.send(
        "POST",
        "/_/login",
        &[("Datastar-Request", "true")],
        Some(("application/json".into(), b"{nope".to_vec())),
    );
    assert_eq!(resp.signals()["error"], "Enter your email and password.");

    // Another site cannot sign a browser in.
    let resp = ui.send(
        "POST",
        "/_/login",
        &[("Origin", "https://evil.example")],
        Some((
            "application/json".into(),
            json!({"email": SUPERUSER_EMAIL, "password": common::SUPERUSER_PASSWORD})
                .to_string()
                .into_bytes(),
        )),
    );
    assert_eq!(
        resp.signals()["error"],
        "The request came from another site."
    );
    assert!(resp.set_cookie.is_empty());

    let session = Ui::sign_in(&server);
    let cookie = session.cookie.clone().expect("cookie");
    let login = ui.action(
        "POST",
        "/_/login",
        json!({"email": SUPERUSER_EMAIL, "password": common::SUPERUSER_PASSWORD}),
    );
    assert_eq!(login.content_type, "text/event-stream");
    let set = &login.set_cookie[0];
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/_/", "Max-Age=86400"] {
        assert!(set.contains(attribute), "{set} lacks {attribute}");
    }
    assert!(
        !set.contains("Secure"),
        "plain HTTP gets no Secure cookie: {set}"
    );
    assert_eq!(
        login.scripts(),
        ["window.location.assign(\"/_/collections\")".to_string()]
    );
    // The cookie is for the UI only: the REST API ignores it.
    let token = cookie.trim_start_matches("lb_admin=").to_string();
    let api = session.send("GET", "/api/collections", &[], None);
    assert_eq!(api.status, 401, "{}", api.text);
    // It is a real superuser token, though.
    assert_eq!(
        server.get("/api/collections", Auth::Token(token)).status,
        200
    );
}

#[test]
fn state_changes_need_the_csrf_token_and_the_same_origin() {
    if !lifebase_only() {
        return;
    }
    let server = Server::start();
    let ui = Ui::sign_in(&server);
    let cookie = ui.cookie.clone().expect("cookie");
    let page = ui.page("/_/collections");
    assert_eq!(meta_csrf(&page.text).as_deref(), Some(ui.csrf.as_str()));

    let without = ui.send("POST", "/_/logout", &[("Datastar-Request", "true")], None);
    assert_eq!(without.status, 403);
    assert!(without.text.contains("CSRF"), "{}", without.text);
    let wrong = ui.send(
        "POST",
        "/_/logout",
        &[("X-CSRF-Token", "00ff"), ("Datastar-Request", "true")],
        None,
    );
    assert_eq!(wrong.status, 403);
    let foreign = ui.send(
        "POST",
        "/_/logout",
        &[
            ("X-CSRF-Token", ui.csrf.as_str()),
            ("Origin", "http://evil.example"),
        ],
        None,
    );
    assert_eq!(foreign.status, 403);
    assert!(foreign.text.contains("another site"));

    // Another session's token does not fit this cookie.
    let other = Ui::sign_in(&server);
    if other.cookie != ui.cookie {
        let mixed = ui.send(
            "POST",
            "/_/logout",
            &[("X-CSRF-Token", other.csrf.as_str())],
            None,
        );
        assert_eq!(mixed.status, 403);
    }

    let same_origin = server.base.clone();
    let out = ui.send(
        "POST",
        "/_/logout",
        &[
            ("X-CSRF-Token", ui.csrf.as_str()),
            ("Origin", same_origin.as_str()),
            ("Datastar-Request", "true"),
        ],
        None,
    );
    assert_eq!(out.status, 200, "{}", out.text);
    assert_eq!(
        out.scripts(),
        ["window.location.assign(\"/_/login\")".to_string()]
    );
    let cleared = &out.set_cookie[0];
    assert!(cleared.starts_with("lb_admin=;"), "{cleared}");
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    assert!(cookie.starts_with("lb_admin="));
}

#[test]
fn a_user_token_is_not_a_session() {
    if !lifebase_only() {
        return;
    }
    let server = Server::start();
    server.must(
        "POST",
        "/api/collections/users/records",
        Auth::None,
        common::Body::Json(json!({
            "email": "u@example.com", "password": "12345678", "passwordConfirm": "12345678"
        })),
        200,
    );
    let token = server.login("users", "u@example.com", "12345678");
    let mut ui = Ui::anonymous(&server);
    ui.cookie = Some(format!("lb_admin={token}"));
    let resp = ui.page("/_/collections");
    assert_eq!(resp.status, 303);
    assert_eq!(resp.location.as_deref(), Some("/_/login"));
    ui.cookie = Some("lb_admin=garbage".into());
    assert_eq!(ui.page("/_/collections").status, 303);
}

#[test]
fn static_files_are_embedded_and_versioned() {
    if !lifebase_only() {
        return;
    }
    let server = Server::start();
    let ui = Ui::anonymous(&server);
    let login = ui.page("/_/login").text;
    let src = |prefix: &str| {
        let at = login.find(prefix).expect(prefix);
        let rest = &login[at..];
        rest[..rest.find('"').expect("quote")].to_string()
    };
    let datastar = ui.page(&src("/_/static/datastar-"));
    assert_eq!(datastar.status, 200);
    assert!(datastar.content_type.starts_with("text/javascript"));
    assert!(datastar.text.starts_with("// Datastar v1.0.0-beta.11"));
    let stylesheet = ui.page(&src("/_/static/ui-"));
    assert_eq!(stylesheet.status, 200);
    assert!(stylesheet.content_type.starts_with("text/css"));
    for missing in [
        "/_/static/nope.js",
        "/_/static/..%2F..%2FCargo.toml",
        "/_/static/datastar-0.0.1.js",
    ] {
        assert_eq!(ui.page(missing).status, 404, "{missing}");
    }
    let unknown = ui.page("/_/no/such/page");
    assert_eq!(unknown.status, 404);
    assert!(unknown.content_type.starts_with("text/html"));
}

#[test]
fn the_overview_lists_collections_with_counts() {
    if !lifebase_only() {
        return;
    }
    let server = Server::start();
    let ui = Ui::sign_in(&server);
    let page = ui.page("/_/collections");
    assert!(page.text.contains("<tr id=\"collection-users\">"));
    assert!(page.text.contains("<tr id=\"collection-_superusers\">"));
    // One superuser, no users yet.
    let row = |name: &str| {
        let at = page
            .text
            .find(&format!("<tr id=\"collection-{name}\">"))
            .expect(name);
        let rest = &page.text[at..];
        rest[..rest.find("</tr>").expect("row end")].to_string()
    };
    assert!(row("_superusers").contains("<td class=\"count\">1</td>"));
    assert!(row("users").contains("<td class=\"count\">0</td>"));
    // The sidebar and the palette name the signed-in superuser's collections.
    assert!(page.text.contains("href=\"/_/collections/users\""));
    assert!(page.text.contains(SUPERUSER_EMAIL));
}

#[test]
fn sign_in_is_rate_limited_like_the_api() {
    if !lifebase_only() {
        return;
    }
    let server = Server::start();
    server.must(
        "PATCH",
        "/api/settings",
        Auth::Superuser,
        common::Body::Json(json!({"rateLimits": {"enabled": true, "rules": [
            {"label": "*:auth", "audience": "", "duration": 60, "maxRequests": 2}
        ]}})),
        200,
    );
    let ui = Ui::anonymous(&server);
    let wrong = json!({"email": SUPERUSER_EMAIL, "password": "wrong"});
    for _ in 0..2 {
        assert_eq!(
            ui.action("POST", "/_/login", wrong.clone()).signals()["error"],
            "Invalid email or password."
        );
    }
    assert_eq!(
        ui.action("POST", "/_/login", wrong).signals()["error"],
        "Too many attempts; wait a moment and try again."
    );
}
