use serde_json::json;

use super::*;

fn errors_json(email: &str) -> Value {
    let mut errors = FieldErrors::new();
    check_email(&mut errors, "email", email);
    errors.to_json()
}

#[test]
fn emails_are_checked_as_pocketbase_forms_do() {
    assert_eq!(errors_json("a@example.com"), json!({}));
    assert_eq!(errors_json("")["email"]["code"], "validation_required");
    assert_eq!(errors_json("nope")["email"]["code"], "validation_is_email");
    let long = format!("{}@example.com", "a".repeat(250));
    assert_eq!(
        errors_json(&long)["email"],
        json!({"code": "validation_length_out_of_range",
               "message": "The length must be between 1 and 255.",
               "params": {"max": 255, "min": 1}})
    );
}

#[test]
fn form_fields_must_be_strings() {
    let body = json!({"a": "x", "b": null, "c": 1, "d": ["x"]});
    let body = body.as_object().cloned().unwrap_or_default();
    assert_eq!(form_text(&body, "a").unwrap(), "x");
    assert_eq!(form_text(&body, "b").unwrap(), "");
    assert_eq!(form_text(&body, "missing").unwrap(), "");
    for key in ["c", "d"] {
        match form_text(&body, key) {
            Err(ServiceError::BadRequest(message)) => assert_eq!(message, LOADING_FAILED),
            other => panic!("{key}: {other:?}"),
        }
    }
}

#[test]
fn random_passwords_are_long_and_distinct() {
    let one = random_password();
    assert_eq!(one.len(), 30);
    assert_ne!(one, random_password());
}
