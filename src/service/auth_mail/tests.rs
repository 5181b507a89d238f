use serde_json::json;

use super::*;
use crate::core::collection::CollectionKind;

fn map(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn fill_replaces_known_placeholders_in_one_pass() {
    let placeholders = map(&[("{A}", "{B}"), ("{B}", "bee")]);
    assert_eq!(fill("x {A} y {B} z", &placeholders), "x {B} y bee z");
    assert_eq!(fill("{unknown} {A", &placeholders), "{unknown} {A");
    assert_eq!(fill("{{A}}", &placeholders), "{{B}}");
    assert_eq!(fill("", &placeholders), "");
    assert_eq!(fill("日本 {B} 🚀", &placeholders), "日本 bee 🚀");
}

#[test]
fn escape_html_matches_go() {
    assert_eq!(
        escape_html(r#"<a href="x">'&'</a>"#),
        "&lt;a href=&#34;x&#34;&gt;&#39;&amp;&#39;&lt;/a&gt;"
    );
}

#[test]
fn placeholders_cover_visible_record_fields_escaped() {
    let collection = Collection::new("users", CollectionKind::Auth);
    let record = json!({
        "id": "user00000000001", "email": "a@example.com", "verified": true,
        "password": "$2b$hash", "tokenKey": "secret-key", "emailVisibility": false
    });
    let record = record.as_object().cloned().unwrap_or_default();
    let values = placeholders(
        "Acme <App>",
        "https://acme.test",
        &collection,
        &record,
        &[("TOKEN", "tok.en")],
    );
    assert_eq!(values["{TOKEN}"], "tok.en");
    assert_eq!(values["{APP_NAME}"], "Acme <App>");
    assert_eq!(values["{APP_URL}"], "https://acme.test");
    assert_eq!(values["{RECORD:id}"], "user00000000001");
    assert_eq!(values["{RECORD:email}"], "a@example.com");
    assert_eq!(values["{RECORD:verified}"], "true");
    assert!(!values.contains_key("{RECORD:password}"), "hidden field");
    assert!(!values.contains_key("{RECORD:tokenKey}"), "hidden field");
}

#[test]
fn default_templates_carry_token_and_otp() {
    let collection = Collection::new("users", CollectionKind::Auth);
    for template in [
        AuthTemplate::Verification,
        AuthTemplate::ResetPassword,
        AuthTemplate::ConfirmEmailChange,
    ] {
        let (subject, body) = template.of(&collection);
        assert!(subject.contains("{APP_NAME}"), "{template:?}: {subject}");
        assert!(body.contains("{TOKEN}"), "{template:?}: {body}");
    }
    let (subject, body) = AuthTemplate::Otp.of(&collection);
    assert!(subject.contains("{APP_NAME}"));
    assert!(body.contains("{OTP}"));
}
