use serde_json::{Value, json};

use super::settings::for_tests;
use super::{field_errors, message_for};
use crate::service::settings::Settings;
use crate::ui::form::Form;

#[test]
fn nested_field_errors_become_dotted_paths() {
    let mut settings = Settings::default();
    settings.smtp.enabled = true;
    settings.smtp.host.clear();
    settings.rate_limits.rules[1].label = "not a label!".into();
    let errors = settings.validate().expect_err("invalid");
    let flat = field_errors(&errors);
    assert_eq!(
        flat["rateLimits.rules.1.label"],
        "Must be in a valid format."
    );
    assert_eq!(flat["smtp.host"], "Cannot be blank.");
    assert_eq!(
        message_for(&flat, "rateLimits.rules"),
        "Must be in a valid format."
    );
    assert_eq!(message_for(&flat, "smtp.port"), "");
}

#[test]
fn every_input_names_a_setting() {
    let document = serde_json::to_value(Settings::default()).expect("settings");
    for path in for_tests::paths() {
        let pointer = format!("/{}", path.replace('.', "/"));
        assert!(
            document.pointer(&pointer).is_some(),
            "{path} is not a setting"
        );
    }
}

#[test]
fn a_section_form_becomes_a_patch() {
    let form = Form::from_pairs(&[
        ("smtp.enabled", "on"),
        ("smtp.host", " mail.example.com "),
        ("smtp.port", "2525"),
        ("smtp.password", ""),
        ("smtp.authMethod", "LOGIN"),
    ]);
    let read = for_tests::read("mail", &form);
    assert_eq!(
        read["patch"],
        json!({"smtp": {"enabled": true, "host": "mail.example.com", "port": 2525,
                        "username": "", "authMethod": "LOGIN", "tls": false, "localName": ""}}),
        "a blank password is kept, an unchecked box is false"
    );
    assert_eq!(read["errors"], json!({}));

    let form = Form::from_pairs(&[("smtp.port", "twenty")]);
    assert_eq!(
        for_tests::read("mail", &form)["errors"],
        json!({"smtp.port": "Must be a whole number."})
    );
}

#[test]
fn rule_rows_line_up_by_order() {
    let form = Form::from_pairs(&[
        ("rateLimits.excludedIPs", "10.0.0.1, ,10.0.0.2"),
        ("rule.key", "r0"),
        ("rule.label", "/api/"),
        ("rule.audience", ""),
        ("rule.duration", "10"),
        ("rule.maxRequests", "300"),
        ("rule.key", "n1a2b3c4d"),
        ("rule.label", "users:auth"),
        ("rule.audience", "@guest"),
        ("rule.duration", "x"),
        ("rule.maxRequests", ""),
    ]);
    let read = for_tests::read("rate-limits", &form);
    assert_eq!(read["keys"], json!(["r0", "n1a2b3c4d"]));
    assert_eq!(
        read["patch"]["rateLimits"],
        json!({"enabled": false, "excludedIPs": ["10.0.0.1", "10.0.0.2"], "rules": [
            {"label": "/api/", "audience": "", "duration": 10, "maxRequests": 300},
            {"label": "users:auth", "audience": "@guest", "maxRequests": 0}
        ]})
    );
    assert_eq!(
        read["errors"],
        json!({"rateLimits.rules.1.duration": "Must be a whole number."})
    );

    // A row key that could break out of an id, or rows of uneven length, are refused.
    for pairs in [
        vec![
            ("rule.key", "a\"b"),
            ("rule.label", "x"),
            ("rule.audience", ""),
            ("rule.duration", "1"),
            ("rule.maxRequests", "1"),
        ],
        vec![("rule.key", "r0"), ("rule.label", "x")],
    ] {
        let read = for_tests::read("rate-limits", &Form::from_pairs(&pairs));
        assert!(
            read.get("error").and_then(Value::as_str).is_some(),
            "{read}"
        );
    }
}
