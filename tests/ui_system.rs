//! The admin UI's system pages over plain HTTP (issue #5): `/_/settings` (every section
//! saved through the settings service, secrets never rendered, field errors inline, the
//! test email to a local SMTP sink) and `/_/superusers` (add, edit, delete, the last
//! superuser kept, one's own credentials changed signs out). Forms are posted as the
//! browser does (`multipart/form-data`, Datastar's `contentType: 'form'`); answers are
//! asserted as SSE text. lifebase-only: PocketBase's dashboard is a different application.

mod common;

use common::mail::MailSink;
use common::ui::{Ui, UiResp};
use common::{Auth, Body, SUPERUSER_EMAIL, SUPERUSER_PASSWORD, Server};
use serde_json::{Value, json};

fn lifebase_only() -> bool {
    if common::is_pocketbase() {
        println!("lifebase-only: the admin UI");
        return false;
    }
    true
}

/// Posts a form as Datastar's `@post(url, {contentType: 'form'})` does.
fn submit(ui: &Ui, method: &str, path: &str, fields: &[(&str, &str)]) -> UiResp {
    let Body::Bytes(content_type, bytes) = common::multipart(fields, &[]) else {
        unreachable!("multipart() makes bytes")
    };
    ui.send(
        method,
        path,
        &[
            ("Datastar-Request", "true"),
            ("X-CSRF-Token", ui.csrf.as_str()),
        ],
        Some((content_type, bytes)),
    )
}

/// The flash messages of an answer, in order.
fn flashes(resp: &UiResp) -> Vec<String> {
    resp.events()
        .iter()
        .filter(|event| {
            event.name == "datastar-merge-fragments" && event.arg("selector") == "#flash"
        })
        .map(|event| event.arg("fragments"))
        .collect()
}

fn flash_text(resp: &UiResp) -> String {
    flashes(resp).join("\n")
}

/// The text of the inline error slot `id` in an answer's fragments (`None` if not sent).
fn slot(resp: &UiResp, id: &str) -> Option<String> {
    let fragments = resp.fragments();
    let open = format!("<p class=\"field-error\" id=\"{id}\">");
    let at = fragments.find(&open)?;
    let rest = &fragments[at + open.len()..];
    Some(
        rest[..rest.find("</p>")?]
            .replace("&#39;", "'")
            .replace("&quot;", "\"")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    )
}

fn settings(server: &Server) -> Value {
    let resp = server.get("/api/settings", Auth::Superuser);
    assert_eq!(resp.status, 200, "{}", resp.text);
    resp.json
}

fn superuser_id(server: &Server, email: &str) -> String {
    let filter =
        serde_urlencoded::to_string([("filter", format!("email='{email}'"))]).expect("query");
    let resp = server.get(
        &format!("/api/collections/_superusers/records?{filter}"),
        Auth::Superuser,
    );
    assert_eq!(resp.status, 200, "{}", resp.text);
    resp.json["items"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no superuser {email}: {}", resp.text))
        .to_string()
}

const APPLICATION: &[(&str, &str)] = &[
    ("meta.appName", "Acme"),
    ("meta.appURL", "http://localhost:8090"),
    ("meta.senderName", "Support"),
    ("meta.senderAddress", "support@example.com"),
    ("meta.accentColor", "#1055c9"),
];

fn with(
    base: &[(&'static str, &'static str)],
    changes: &[(&'static str, &'static str)],
) -> Vec<(&'static str, &'static str)> {
    let mut fields: Vec<_> = base
        .iter()
        .filter(|(key, _)| !changes.iter().any(|(changed, _)| changed == key))
        .copied()
        .collect();
    fields.extend_from_slice(changes);
    fields
}

#[test]
fn system_pages_need_a_session_and_the_csrf_token() {
    if !lifebase_only() {
        return;
    }
    let server = Server::start();
    let anonymous = Ui::anonymous(&server);
    for path in ["/_/settings", "/_/superusers"] {
        let resp = anonymous.page(path);
        assert_eq!(resp.status, 303, "{path}");
        assert_eq!(resp.location.as_deref(), Some("/_/login"), "{path}");
    }
    // Actions without a session are sent to the sign-in page and change nothing.
    for (method, path) in [
        ("POST", "/_/settings/application"),
        ("POST", "/_/settings/test-email"),
        ("POST", "/_/superusers"),
        ("DELETE", "/_/superusers/abc"),
    ] {
        let resp = submit(
            &anonymous,
            method,
            path,
            &with(APPLICATION, &[("meta.appName", "Hacked")]),
        );
        assert_eq!(resp.status, 200, "{method} {path}");
        assert_eq!(
            resp.scripts(),
            ["window.location.assign(\"/_/login\")".to_string()],
            "{method} {path}"
        );
    }

    let ui = Ui::sign_in(&server);
    let Body::Bytes(content_type, bytes) =
        common::multipart(&with(APPLICATION, &[("meta.appName", "Hacked")]), &[])
    else {
        unreachable!()
    };
    let without = ui.send(
        "POST",
        "/_/settings/application",
        &[("Datastar-Request", "true")],
        Some((content_type.clone(), bytes.clone())),
    );
    assert_eq!(without.status, 403);
    assert!(without.text.contains("CSRF"), "{}", without.text);
    let foreign = ui.send(
        "POST",
        "/_/settings/application",
        &[
            ("X-CSRF-Token", ui.csrf.as_str()),
            ("Origin", "http://evil.example"),
        ],
        Some((content_type, bytes)),
    );
    assert_eq!(foreign.status, 403);
    let id = superuser_id(&server, SUPERUSER_EMAIL);
    let delete = ui.send("DELETE", &format!("/_/superusers/{id}"), &[], None);
    assert_eq!(delete.status, 403);
    assert_eq!(settings(&server)["meta"]["appName"], "Acme");
    assert_eq!(
        server
            .get("/api/collections/_superusers/records", Auth::Superuser)
            .json["totalItems"],
        1
    );
}

/// Regression: the CSRF key was made per worker thread, so a page's token was refused
/// whenever a request arrived on a connection another worker served.
#[test]
fn the_csrf_token_holds_on_every_connection() {
    if !lifebase_only() {
        return;
    }
    let server = Server::start();
    let ui = Ui::sign_in(&server);
    for attempt in 0..8 {
        let resp = ui.send(
            "POST",
            "/_/settings/nope",
            &[
                ("Datastar-Request", "true"),
                ("X-CSRF-Token", ui.csrf.as_str()),
                ("Connection", "close"),
            ],
            None,
        );
        assert_eq!(resp.status, 200, "attempt {attempt}: {}", resp.text);
    }
}

#[test]
fn the_settings_page_shows_current_values_but_no_secrets() {
    if !lifebase_only() {
        return;
    }
    let server = Server::start();
    server.must(
        "PATCH",
        "/api/settings",
        Auth::Superuser,
        Body::Json(json!({
            "meta": {"appName": "Shown <b>Name</b>"},
            "smtp": {"host": "smtp.shown.example", "port": 2525, "password": "SMTP-SECRET-1234"},
            "s3": {"secret": "S3-SECRET-5678", "bucket": "shown-bucket"},
            "rateLimits": {"rules": [{"label": "/api/shown", "audience": "@guest", "duration": 7, "maxRequests": 9}]}
        })),
        200,
    );
    let ui = Ui::sign_in(&server);
    let page = ui.page("/_/settings");
    assert_eq!(page.status, 200);
    let html = &page.text;
    for absent in ["SMTP-SECRET-1234", "S3-SECRET-5678", "<b>Name</b>"] {
        assert!(!html.contains(absent), "the page shows {absent}");
    }
    for present in [
        "<title>Settings · Shown &#60;b&#62;Name&#60;/b&#62;</title>",
        "name=\"meta.appName\" type=\"text\" value=\"Shown &#60;b&#62;Name&#60;/b&#62;\"",
        "value=\"smtp.shown.example\"",
        "name=\"smtp.port\" type=\"number\" value=\"2525\"",
        "value=\"shown-bucket\"",
        "value=\"/api/shown\"",
        "<option value=\"@guest\" selected>Guests only</option>",
        // A secret's input starts empty and says whether one is stored.
        "id=\"field-smtp-password\" name=\"smtp.password\" type=\"password\" value=\"\" placeholder=\"Saved; leave blank to keep it\"",
        "id=\"field-backups-s3-secret\" name=\"backups.s3.secret\" type=\"password\" value=\"\" placeholder=\"Not set\"",
    ] {
        assert!(
            html.contains(present)
                || html.contains(&present.replace("&#60;", "&lt;").replace("&#62;", "&gt;")),
            "the page lacks {present}"
        );
    }
    for section in [
        "application",
        "mail",
        "rate-limits",
        "batch",
        "trusted-proxy",
        "logs",
        "superuser-ips",
        "file-storage",
        "backups",
    ] {
        assert!(
            html.contains(&format!(
                "@post('/_/settings/{section}', {{contentType: 'form'}})"
            )) || html.contains(&format!(
                "@post(&#39;/_/settings/{section}&#39;, {{contentType: &#39;form&#39;}})"
            )),
            "no form for {section}"
        );
    }
    // Every input has a label.
    let inputs = html.matches("<input id=\"field-").count();
    let labels = html.matches("<label for=\"field-").count()
        + html.matches("<label class=\"inline\" for=\"field-").count();
    assert!(
        inputs > 0 && labels >= inputs,
        "{inputs} inputs, {labels} labels"
    );
}

#[test]
fn each_settings_section_saves_through_the_settings_service() {
    if !lifebase_only() {
        return;
    }
    let server = Server::start();
    let ui = Ui::sign_in(&server);

    let resp = submit(
        &ui,
        "POST",
        "/_/settings/application",
        &with(
            APPLICATION,
            &[
                ("meta.appName", "Renamed & Co"),
                ("meta.hideControls", "on"),
            ],
        ),
    );
    assert_eq!(resp.status, 200, "{}", resp.text);
    assert!(
        flash_text(&resp).contains("Settings saved."),
        "{}",
        resp.text
    );
    let fragments = resp.fragments();
    assert!(
        fragments.contains("<section class=\"panel settings-section\" id=\"section-application\"")
    );
    assert!(
        fragments.contains("<a class=\"brand\" href=\"/_/\">Renamed &amp; Co</a>"),
        "{fragments}"
    );
    assert_eq!(
        resp.scripts(),
        ["document.title = \"Settings · Renamed & Co\"".to_string()]
    );
    let saved = settings(&server);
    assert_eq!(saved["meta"]["appName"], "Renamed & Co");
    assert_eq!(saved["meta"]["hideControls"], true);
    let page = ui.page("/_/settings").text;
    assert!(
        page.contains("<title>Settings · Renamed &#38; Co</title>")
            || page.contains("<title>Settings · Renamed &amp; Co</title>")
    );
    assert!(page.contains(">Renamed &#38; Co</a>") || page.contains(">Renamed &amp; Co</a>"));

    let mail = [
        ("smtp.enabled", "on"),
        ("smtp.host", "mail.example.com"),
        ("smtp.port", "2525"),
        ("smtp.username", "mailer"),
        ("smtp.password", "typed-secret"),
        ("smtp.authMethod", "LOGIN"),
        ("smtp.localName", "lifebase.local"),
    ];
    let resp = submit(&ui, "POST", "/_/settings/mail", &mail);
    assert!(
        flash_text(&resp).contains("Settings saved."),
        "{}",
        resp.text
    );
    assert!(!resp.text.contains("typed-secret"));
    assert!(
        resp.fragments()
            .contains("placeholder=\"Saved; leave blank to keep it\"")
    );
    let smtp = &settings(&server)["smtp"];
    assert_eq!(
        *smtp,
        json!({"enabled": true, "port": 2525, "host": "mail.example.com", "username": "mailer",
               "authMethod": "LOGIN", "tls": false, "localName": "lifebase.local"})
    );
    // Saved again with the password left blank: the stored one stays.
    let blank: Vec<_> = mail
        .iter()
        .map(|&(key, value)| (key, if key == "smtp.password" { "" } else { value }))
        .filter(|(key, _)| *key != "smtp.enabled")
        .collect();
    let resp = submit(&ui, "POST", "/_/settings/mail", &blank);
    assert!(
        flash_text(&resp).contains("Settings saved."),
        "{}",
        resp.text
    );
    assert_eq!(
        settings(&server)["smtp"]["enabled"],
        false,
        "an unchecked box is false"
    );
    assert!(
        ui.page("/_/settings")
            .text
            .contains("placeholder=\"Saved; leave blank to keep it\"")
    );

    let resp = submit(
        &ui,
        "POST",
        "/_/settings/rate-limits",
        &[
            ("rateLimits.enabled", "on"),
            ("rateLimits.excludedIPs", "10.0.0.1, 10.0.0.2"),
            ("rule.key", "r0"),
            ("rule.label", "/api/"),
            ("rule.audience", ""),
            ("rule.duration", "10"),
            ("rule.maxRequests", "300"),
            ("rule.key", "n12ab"),
            ("rule.label", "users:auth"),
            ("rule.audience", "@guest"),
            ("rule.duration", "3"),
            ("rule.maxRequests", "2"),
        ],
    );
    assert!(
        flash_text(&resp).contains("Settings saved."),
        "{}",
        resp.text
    );
    assert_eq!(
        settings(&server)["rateLimits"],
        json!({"rules": [
            {"label": "/api/", "audience": "", "duration": 10, "maxRequests": 300},
            {"label": "users:auth", "audience": "@guest", "duration": 3, "maxRequests": 2}
        ], "excludedIPs": ["10.0.0.1", "10.0.0.2"], "enabled": true})
    );
    // The saved table comes back with fresh row keys.
    assert!(resp.fragments().contains("<tr id=\"rule-r1\">"));

    for (section, fields, pointer, expected) in [
        (
            "batch",
            vec![
                ("batch.enabled", "on"),
                ("batch.maxRequests", "20"),
                ("batch.timeout", "5"),
                ("batch.maxBodySize", "1024"),
            ],
            "/batch",
            json!({"enabled": true, "maxRequests": 20, "timeout": 5, "maxBodySize": 1024}),
        ),
        (
            "trusted-proxy",
            vec![
                ("trustedProxy.headers", "X-Forwarded-For,\nX-Real-IP"),
                ("trustedProxy.useLeftmostIP", "on"),
            ],
            "/trustedProxy",
            json!({"headers": ["X-Forwarded-For", "X-Real-IP"], "useLeftmostIP": true}),
        ),
        (
            "logs",
            vec![
                ("logs.maxDays", "9"),
                ("logs.minLevel", "4"),
                ("logs.maxDataSize", "0"),
                ("logs.logAuthId", "on"),
            ],
            "/logs",
            json!({"maxDataSize": 0, "maxDays": 9, "minLevel": 4, "logIP": false, "logAuthId": true}),
        ),
        (
            "superuser-ips",
            vec![("superuserIPs", "127.0.0.1, ::1")],
            "/superuserIPs",
            json!(["127.0.0.1", "::1"]),
        ),
        (
            "file-storage",
            vec![
                ("s3.enabled", "on"),
                ("s3.endpoint", "https://s3.example.com"),
                ("s3.bucket", "b"),
                ("s3.region", "r"),
                ("s3.accessKey", "k"),
                ("s3.secret", "s3-typed-secret"),
            ],
            "/s3",
            json!({"enabled": true, "bucket": "b", "region": "r", "endpoint": "https://s3.example.com", "accessKey": "k", "forcePathStyle": false}),
        ),
        (
            "backups",
            vec![("backups.cron", "0 0 * * *"), ("backups.cronMaxKeep", "4")],
            "/backups",
            json!({"cron": "0 0 * * *", "cronMaxKeep": 4, "s3": {"enabled": false, "bucket": "", "region": "", "endpoint": "", "accessKey": "", "forcePathStyle": false}}),
        ),
    ] {
        let resp = submit(&ui, "POST", &format!("/_/settings/{section}"), &fields);
        assert!(
            flash_text(&resp).contains("Settings saved."),
            "{section}: {}",
            resp.text
        );
        assert_eq!(
            settings(&server).pointer(pointer),
            Some(&expected),
            "{section}"
        );
    }
    // The trusted proxy headers now decide the client IP, and the batch API is on: the
    // settings really reached the services that use them.
    let batch = server.post("/api/batch", Auth::None, json!({"requests": []}));
    assert_ne!(batch.status, 403, "{}", batch.text);
}

#[test]
fn validation_errors_are_shown_next_to_their_inputs() {
    if !lifebase_only() {
        return;
    }
    let server = Server::start();
    let ui = Ui::sign_in(&server);

    let resp = submit(
        &ui,
        "POST",
        "/_/settings/application",
        &with(
            APPLICATION,
            &[("meta.appURL", "not a url"), ("meta.appName", "")],
        ),
    );
    assert_eq!(resp.status, 200);
    assert_eq!(
        slot(&resp, "error-meta-appURL").as_deref(),
        Some("Must be a valid URL.")
    );
    assert_eq!(
        slot(&resp, "error-meta-appName").as_deref(),
        Some("Cannot be blank.")
    );
    assert_eq!(
        slot(&resp, "error-meta-senderName").as_deref(),
        Some(""),
        "other slots are cleared"
    );
    let flash = flash_text(&resp);
    assert!(flash.contains("message error"), "{flash}");
    assert!(
        flash.contains("An error occurred while saving the new settings."),
        "{flash}"
    );
    assert!(
        !resp.text.contains("class=\"brand\""),
        "nothing was renamed"
    );

    let resp = submit(
        &ui,
        "POST",
        "/_/settings/mail",
        &[
            ("smtp.enabled", "on"),
            ("smtp.host", ""),
            ("smtp.port", "587"),
        ],
    );
    assert_eq!(
        slot(&resp, "error-smtp-host").as_deref(),
        Some("Cannot be blank.")
    );
    assert_eq!(slot(&resp, "error-smtp-port").as_deref(), Some(""));

    let resp = submit(&ui, "POST", "/_/settings/mail", &[("smtp.port", "five")]);
    assert_eq!(
        slot(&resp, "error-smtp-port").as_deref(),
        Some("Must be a whole number.")
    );
    assert!(flash_text(&resp).contains("Check the highlighted fields."));

    let resp = submit(
        &ui,
        "POST",
        "/_/settings/rate-limits",
        &[
            ("rule.key", "r0"),
            ("rule.label", "/api/"),
            ("rule.audience", ""),
            ("rule.duration", "10"),
            ("rule.maxRequests", "300"),
            ("rule.key", "n9"),
            ("rule.label", "not a label!"),
            ("rule.audience", "@nobody"),
            ("rule.duration", "0"),
            ("rule.maxRequests", "5"),
        ],
    );
    assert_eq!(
        slot(&resp, "error-rule-n9-label").as_deref(),
        Some("Must be in a valid format.")
    );
    assert_eq!(
        slot(&resp, "error-rule-n9-duration").as_deref(),
        Some("Cannot be blank.")
    );
    assert!(slot(&resp, "error-rule-n9-audience").is_some_and(|m| !m.is_empty()));
    assert_eq!(slot(&resp, "error-rule-r0-label").as_deref(), Some(""));
    assert_eq!(
        slot(&resp, "error-rule-n9-maxRequests").as_deref(),
        Some("")
    );

    let resp = submit(
        &ui,
        "POST",
        "/_/settings/rate-limits",
        &[("rateLimits.enabled", "on")],
    );
    assert_eq!(
        slot(&resp, "error-rateLimits-rules").as_deref(),
        Some("Cannot be blank.")
    );

    // A row key that is not ours is refused before anything is saved.
    let resp = submit(
        &ui,
        "POST",
        "/_/settings/rate-limits",
        &[
            ("rule.key", "x\"><script>"),
            ("rule.label", "/api/"),
            ("rule.audience", ""),
            ("rule.duration", "1"),
            ("rule.maxRequests", "1"),
        ],
    );
    assert!(
        flash_text(&resp).contains("could not be read"),
        "{}",
        resp.text
    );
    assert!(!resp.text.contains("<script>"));

    // A file part is not a settings value.
    let Body::Bytes(content_type, bytes) =
        common::multipart(APPLICATION, &[("meta.appName", "x.txt", b"file")])
    else {
        unreachable!()
    };
    let resp = ui.send(
        "POST",
        "/_/settings/application",
        &[
            ("Datastar-Request", "true"),
            ("X-CSRF-Token", ui.csrf.as_str()),
        ],
        Some((content_type, bytes)),
    );
    assert_eq!(resp.status, 200, "{}", resp.text);
    assert!(flash_text(&resp).contains("takes no files"));

    // The same connection goes on working after each refusal.
    let resp = submit(&ui, "POST", "/_/settings/nope", &[]);
    assert_eq!(resp.status, 200);
    assert!(flash_text(&resp).contains("There is no such settings section."));

    // Nothing was saved by any of these.
    let saved = settings(&server);
    assert_eq!(saved["meta"]["appURL"], "http://localhost:8090");
    assert_eq!(saved["smtp"]["enabled"], false);
    assert_eq!(
        saved["rateLimits"]["rules"].as_array().map(Vec::len),
        Some(4)
    );
}

#[test]
fn the_test_email_reaches_an_smtp_server_or_says_why_not() {
    if !lifebase_only() {
        return;
    }
    let server = Server::start();
    let ui = Ui::sign_in(&server);

    // SMTP disabled: the service only logs the mail, and the page says so.
    let form = [
        ("email", "tester@example.com"),
        ("template", "verification"),
        ("collection", "_superusers"),
    ];
    let resp = submit(&ui, "POST", "/_/settings/test-email", &form);
    assert!(
        flash_text(&resp).contains("written to the server log"),
        "{}",
        resp.text
    );

    let sink = MailSink::start();
    assert_eq!(sink.configure(&server), 200);
    for template in [
        "verification",
        "password-reset",
        "email-change",
        "otp",
        "login-alert",
    ] {
        let resp = submit(
            &ui,
            "POST",
            "/_/settings/test-email",
            &[
                ("email", "tester@example.com"),
                ("template", template),
                ("collection", "users"),
            ],
        );
        assert!(
            flash_text(&resp).contains("Test email sent to tester@example.com."),
            "{template}: {}",
            resp.text
        );
        assert_eq!(slot(&resp, "error-test-email").as_deref(), Some(""));
    }
    let first = sink.wait_for("tester@example.com", 0);
    assert!(
        first.text().contains("__pb_test_token__"),
        "{}",
        first.text()
    );
    sink.wait_for("tester@example.com", 4);

    let resp = submit(
        &ui,
        "POST",
        "/_/settings/test-email",
        &[
            ("email", "not-an-email"),
            ("template", "nope"),
            ("collection", "posts"),
        ],
    );
    assert_eq!(
        slot(&resp, "error-test-email").as_deref(),
        Some("Must be a valid email address.")
    );
    assert!(slot(&resp, "error-test-template").is_some_and(|m| !m.is_empty()));
    assert_eq!(
        slot(&resp, "error-test-collection").as_deref(),
        Some("Must be a valid auth collection id or name.")
    );

    // An SMTP server that is not there: a clear error, not a failed request.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    server.must(
        "PATCH",
        "/api/settings",
        Auth::Superuser,
        Body::Json(json!({"smtp": {"port": port}})),
        200,
    );
    let resp = submit(&ui, "POST", "/_/settings/test-email", &form);
    assert_eq!(resp.status, 200);
    let flash = flash_text(&resp);
    assert!(flash.contains("message error"), "{flash}");
    assert!(flash.contains("Failed to send the test email."), "{flash}");
    assert_eq!(sink.count_to("tester@example.com"), 5);
}

#[test]
fn superusers_are_added_edited_and_deleted() {
    if !lifebase_only() {
        return;
    }
    let server = Server::start();
    let ui = Ui::sign_in(&server);
    let root = superuser_id(&server, SUPERUSER_EMAIL);

    let page = ui.page("/_/superusers");
    assert_eq!(page.status, 200);
    assert!(page.text.contains(&format!("<tr id=\"superuser-{root}\">")));
    assert!(page.text.contains("<span class=\"badge\">you</span>"));
    assert!(
        page.text
            .contains("<dialog id=\"superuser-new\" aria-labelledby=\"superuser-new-title\">")
    );

    // Bad input: errors next to the inputs, nobody added.
    let resp = submit(
        &ui,
        "POST",
        "/_/superusers",
        &[
            ("email", "second@example.com"),
            ("password", "long-enough-1"),
            ("passwordConfirm", "different-1"),
        ],
    );
    assert_eq!(resp.status, 200);
    assert_eq!(
        slot(&resp, "error-new-passwordConfirm").as_deref(),
        Some("Values don't match.")
    );
    assert_eq!(slot(&resp, "error-new-email").as_deref(), Some(""));
    let resp = submit(
        &ui,
        "POST",
        "/_/superusers",
        &[("email", "second@example.com")],
    );
    assert_eq!(
        slot(&resp, "error-new-password").as_deref(),
        Some("Cannot be blank.")
    );
    let resp = submit(
        &ui,
        "POST",
        "/_/superusers",
        &[
            ("email", SUPERUSER_EMAIL),
            ("password", "long-enough-1"),
            ("passwordConfirm", "long-enough-1"),
        ],
    );
    assert!(
        slot(&resp, "error-new-email").is_some_and(|m| !m.is_empty()),
        "{}",
        resp.text
    );

    let resp = submit(
        &ui,
        "POST",
        "/_/superusers",
        &[
            ("email", "second@example.com"),
            ("password", "long-enough-1"),
            ("passwordConfirm", "long-enough-1"),
        ],
    );
    assert!(
        flash_text(&resp).contains("Superuser second@example.com added."),
        "{}",
        resp.text
    );
    assert!(resp.fragments().contains("<div id=\"superusers-list\">"));
    assert!(resp.fragments().contains("second@example.com"));
    assert!(resp.scripts()[0].contains("close()"));
    server.login("_superusers", "second@example.com", "long-enough-1");
    let second = superuser_id(&server, "second@example.com");

    // The edit dialog comes filled in, with an empty password.
    let resp = ui.action("GET", &format!("/_/superusers/{second}/edit"), json!({}));
    let form = resp.fragments();
    assert!(form.contains("<div id=\"superuser-edit-body\">"), "{form}");
    assert!(form.contains("value=\"second@example.com\""));
    assert!(resp.scripts()[0].contains("showModal()"));
    let missing = ui.action("GET", "/_/superusers/nope/edit", json!({}));
    assert_eq!(missing.status, 200);
    assert!(flash_text(&missing).contains("resource wasn"));

    let resp = submit(
        &ui,
        "POST",
        &format!("/_/superusers/{second}"),
        &[
            ("email", "renamed@example.com"),
            ("password", ""),
            ("passwordConfirm", ""),
        ],
    );
    assert!(
        flash_text(&resp).contains("Superuser saved."),
        "{}",
        resp.text
    );
    assert!(resp.fragments().contains("renamed@example.com"));
    server.login("_superusers", "renamed@example.com", "long-enough-1");
    let resp = submit(
        &ui,
        "POST",
        &format!("/_/superusers/{second}"),
        &[
            ("email", "renamed@example.com"),
            ("password", "short"),
            ("passwordConfirm", "short"),
        ],
    );
    assert!(
        slot(&resp, "error-edit-password").is_some_and(|m| !m.is_empty()),
        "{}",
        resp.text
    );
    let resp = submit(
        &ui,
        "POST",
        &format!("/_/superusers/{second}"),
        &[
            ("email", "renamed@example.com"),
            ("password", "another-pass-2"),
            ("passwordConfirm", "another-pass-2"),
        ],
    );
    assert!(
        flash_text(&resp).contains("Superuser saved."),
        "{}",
        resp.text
    );
    let second_token = server.login("_superusers", "renamed@example.com", "another-pass-2");

    // Nobody deletes the account they are signed in with.
    let resp = ui.action("DELETE", &format!("/_/superusers/{root}"), json!({}));
    assert_eq!(resp.status, 200);
    assert!(
        flash_text(&resp).contains("You can&#39;t delete the superuser you are signed in as"),
        "{}",
        resp.text
    );

    let resp = ui.action("DELETE", &format!("/_/superusers/{second}"), json!({}));
    assert!(
        flash_text(&resp).contains("Superuser deleted."),
        "{}",
        resp.text
    );
    assert!(!resp.fragments().contains("renamed@example.com"));
    assert_eq!(
        server
            .get("/api/collections/_superusers/records", Auth::Superuser)
            .json["totalItems"],
        1
    );
    let again = ui.action("DELETE", &format!("/_/superusers/{second}"), json!({}));
    assert!(flash_text(&again).contains("resource wasn"));
    drop(second_token);
}

#[test]
fn the_last_superuser_cannot_be_deleted() {
    if !lifebase_only() {
        return;
    }
    let server = Server::start();
    let root = superuser_id(&server, SUPERUSER_EMAIL);
    // The REST API (and so every page using the records service) refuses, as PocketBase.
    let resp = server.delete(
        &format!("/api/collections/_superusers/records/{root}"),
        Auth::Superuser,
    );
    assert_eq!(resp.status, 400, "{}", resp.text);
    assert_eq!(
        resp.json["message"],
        "You can't delete the only existing superuser"
    );
    // So does a batch.
    server.must(
        "PATCH",
        "/api/settings",
        Auth::Superuser,
        Body::Json(json!({"batch": {"enabled": true}})),
        200,
    );
    let resp = server.post(
        "/api/batch",
        Auth::Superuser,
        json!({"requests": [{"method": "DELETE", "url": format!("/api/collections/_superusers/records/{root}")}]}),
    );
    assert_eq!(resp.status, 400, "{}", resp.text);
    assert!(
        resp.text
            .contains("You can't delete the only existing superuser"),
        "{}",
        resp.text
    );

    // From the page: a second superuser deletes the first, then is the last one left.
    server.must(
        "POST",
        "/api/collections/_superusers/records",
        Auth::Superuser,
        Body::Json(json!({"email": "other@example.com", "password": "long-enough-1", "passwordConfirm": "long-enough-1"})),
        200,
    );
    let mut other = Ui::anonymous(&server);
    let login = other.action(
        "POST",
        "/_/login",
        json!({"email": "other@example.com", "password": "long-enough-1"}),
    );
    other.cookie = login.set_cookie[0].split(';').next().map(str::to_string);
    other.csrf = common::ui::meta_csrf(&other.page("/_/superusers").text).expect("csrf");
    let resp = other.action("DELETE", &format!("/_/superusers/{root}"), json!({}));
    assert!(
        flash_text(&resp).contains("Superuser deleted."),
        "{}",
        resp.text
    );
    let own = other.page("/_/superusers").text;
    assert_eq!(own.matches("<tr id=\"superuser-").count(), 1);
    let me = own_id(&other);
    let resp = other.action("DELETE", &format!("/_/superusers/{me}"), json!({}));
    assert!(flash_text(&resp).contains("message error"));
    let after = other.page("/_/superusers").text;
    assert_eq!(after.matches("<tr id=\"superuser-").count(), 1);
}

/// The id of the superuser a session belongs to (the row marked "you").
fn own_id(ui: &Ui) -> String {
    let html = ui.page("/_/superusers").text;
    let at = html.find("<span class=\"badge\">you</span>").expect("you");
    let row = html[..at].rfind("<tr id=\"superuser-").expect("row");
    let rest = &html[row + "<tr id=\"superuser-".len()..];
    rest[..rest.find('"').expect("quote")].to_string()
}

#[test]
fn changing_ones_own_password_signs_out() {
    if !lifebase_only() {
        return;
    }
    let server = Server::start();
    let ui = Ui::sign_in(&server);
    let root = superuser_id(&server, SUPERUSER_EMAIL);
    let resp = submit(
        &ui,
        "POST",
        &format!("/_/superusers/{root}"),
        &[
            ("email", SUPERUSER_EMAIL),
            ("password", "brand-new-pass-1"),
            ("passwordConfirm", "brand-new-pass-1"),
        ],
    );
    assert_eq!(resp.status, 200);
    assert_eq!(
        resp.scripts(),
        ["window.location.assign(\"/_/login?notice=credentials\")".to_string()]
    );
    assert!(
        resp.set_cookie.iter().any(|c| c.starts_with("lb_admin=;")),
        "{:?}",
        resp.set_cookie
    );
    // The old session is over even if the browser kept the cookie.
    let page = ui.page("/_/superusers");
    assert_eq!(page.status, 303);
    let login = Ui::anonymous(&server).page("/_/login?notice=credentials");
    assert!(
        login
            .text
            .contains("Your email or password changed; sign in again.")
    );
    assert!(
        !Ui::anonymous(&server)
            .page("/_/login?notice=%3Cscript%3E")
            .text
            .contains("<script>")
    );
    server.login("_superusers", SUPERUSER_EMAIL, "brand-new-pass-1");
    let _ = SUPERUSER_PASSWORD;
}
