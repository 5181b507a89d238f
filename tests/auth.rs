//! Auth collections, black-box: the request/confirm flows (password reset, verification,
//! email change), OTP, impersonation, the auth rule and the manage rule, against the real
//! binary (`LB_TEST_BIN=$(which pocketbase)` runs the same checks on PocketBase).
//!
//! The first half needs no mail: every error path, token kinds used as one another,
//! impersonation, authRule/manageRule. The second half (`*_by_mail`) reads tokens and
//! codes from a local SMTP sink (`common::mail`) configured through `PATCH /api/settings`.

mod common;

use common::fixture::{self, *};
use common::mail::MailSink;
use common::scenario::{As, Scenario, run};
use common::{Auth, Body, Server};
use serde_json::{Value, json};

const VALIDATION: &str = "An error occurred while validating the submitted data.";
const LOADING: &str = "An error occurred while loading the submitted data.";
const NO_AUTH_COLLECTION: &str = "Missing or invalid auth collection context.";
const NO_COLLECTION: &str = "Missing or invalid collection context.";
const AUTH_RULE_DENIED: &str =
    "The request doesn't satisfy the collection requirements to authenticate.";
const NEEDS_AUTH: &str = "The request requires valid record authorization token.";
const OTP_DISABLED: &str = "The collection is not configured to allow OTP authentication.";
const INVALID_OTP: &str = "Invalid or expired OTP.";

fn fresh() -> (Server, Fixture) {
    let s = Server::start();
    let mut fx = fixture::setup(&s);
    fx.vars.insert("user1_token", fx.user1_token.clone());
    fx.vars.insert("superuser_token", s.token.clone());
    (s, fx)
}

fn enable_otp(s: &Server, collection: &str) {
    s.must(
        "PATCH",
        &format!("/api/collections/{collection}"),
        Auth::Superuser,
        Body::Json(json!({"otp": {"enabled": true}})),
        200,
    );
}

fn required() -> Value {
    json!({"code": "validation_required", "message": "Cannot be blank."})
}

fn post(name: &'static str, url: &'static str, body: fn() -> Value) -> Scenario {
    Scenario {
        name,
        method: "POST",
        url,
        json: Some(body),
        ..Scenario::EMPTY
    }
}

#[test]
fn auth_flow_error_paths() {
    let (s, fx) = fresh();
    let rows = vec![
        // Collection context.
        Scenario {
            expect_status: 404,
            expect_json: vec![("/message", json!(NO_COLLECTION))],
            ..post(
                "unknown collection: rate-limit middleware's 404",
                "/api/collections/nope/request-password-reset",
                || json!({"email": "a@example.com"}),
            )
        },
        Scenario {
            expect_status: 404,
            expect_json: vec![("/message", json!(NO_AUTH_COLLECTION))],
            ..post(
                "base collection is no auth collection",
                "/api/collections/posts/confirm-verification",
                || json!({"token": "x"}),
            )
        },
        Scenario {
            expect_status: 404,
            expect_json: vec![("/message", json!(NO_AUTH_COLLECTION))],
            ..post(
                "auth-with-password on a base collection",
                "/api/collections/posts/auth-with-password",
                || json!({"identity": "a@example.com", "password": "x"}),
            )
        },
        // request-password-reset
        Scenario {
            name: "password reset: body that is no JSON",
            method: "POST",
            url: "/api/collections/users/request-password-reset",
            raw: Some("garbage"),
            expect_status: 400,
            expect_json: vec![("/message", json!(LOADING)), ("/data", json!({}))],
            ..Scenario::EMPTY
        },
        Scenario {
            expect_status: 400,
            expect_json: vec![("/message", json!(LOADING))],
            ..post(
                "password reset: email of the wrong type",
                "/api/collections/users/request-password-reset",
                || json!({"email": 1}),
            )
        },
        Scenario {
            expect_status: 400,
            expect_json: vec![
                ("/message", json!(VALIDATION)),
                ("/data", json!({"email": required()})),
            ],
            ..post(
                "password reset: missing email",
                "/api/collections/users/request-password-reset",
                || json!({}),
            )
        },
        Scenario {
            expect_status: 400,
            expect_json: vec![("/data/email/code", json!("validation_is_email"))],
            ..post(
                "password reset: invalid email",
                "/api/collections/users/request-password-reset",
                || json!({"email": "nope"}),
            )
        },
        Scenario {
            expect_status: 204,
            ..post(
                "password reset: unknown email answers 204 too (no enumeration)",
                "/api/collections/users/request-password-reset",
                || json!({"email": "nobody@example.com"}),
            )
        },
        Scenario {
            expect_status: 204,
            ..post(
                "password reset: known email answers 204 even when mail fails",
                "/api/collections/users/request-password-reset",
                || json!({"email": USER1_EMAIL}),
            )
        },
        // confirm-password-reset
        Scenario {
            expect_status: 400,
            expect_json: vec![
                ("/message", json!(VALIDATION)),
                ("/data/token", required()),
                ("/data/password/code", json!("validation_required")),
                ("/data/passwordConfirm/code", json!("validation_required")),
            ],
            ..post(
                "confirm password reset: every field missing",
                "/api/collections/users/confirm-password-reset",
                || json!({}),
            )
        },
        Scenario {
            expect_status: 400,
            expect_json: vec![
                (
                    "/data/token",
                    json!({"code": "validation_invalid_token", "message": "Invalid or expired token."}),
                ),
                (
                    "/data/password",
                    json!({"code": "validation_length_out_of_range",
                           "message": "The length must be between 8 and 255.",
                           "params": {"max": 255, "min": 8}}),
                ),
                (
                    "/data/passwordConfirm",
                    json!({"code": "validation_values_mismatch", "message": "Values don't match."}),
                ),
            ],
            ..post(
                "confirm password reset: garbage token, short password, mismatch",
                "/api/collections/users/confirm-password-reset",
                || json!({"token": "abc", "password": "x", "passwordConfirm": "y"}),
            )
        },
        Scenario {
            expect_status: 400,
            expect_json: vec![("/data/token/code", json!("validation_invalid_token"))],
            expect_not_in_body: vec!["\"password\""],
            ..post(
                "confirm password reset: an auth token is no reset token",
                "/api/collections/users/confirm-password-reset",
                || json!({"token": "{user1_token}", "password": "newpass123", "passwordConfirm": "newpass123"}),
            )
        },
        // request-verification / confirm-verification
        Scenario {
            expect_status: 400,
            expect_json: vec![("/message", json!("All superusers are verified by default."))],
            ..post(
                "verification of superusers",
                "/api/collections/_superusers/request-verification",
                || json!({"email": "root@example.com"}),
            )
        },
        Scenario {
            expect_status: 400,
            expect_json: vec![("/message", json!("All superusers are verified by default."))],
            ..post(
                "confirm verification of superusers",
                "/api/collections/_superusers/confirm-verification",
                || json!({"token": "x"}),
            )
        },
        Scenario {
            expect_status: 400,
            expect_json: vec![("/data/email/code", json!("validation_required"))],
            ..post(
                "request verification: missing email",
                "/api/collections/users/request-verification",
                || json!({}),
            )
        },
        Scenario {
            expect_status: 204,
            ..post(
                "request verification: unknown email is 204",
                "/api/collections/users/request-verification",
                || json!({"email": "nobody@example.com"}),
            )
        },
        Scenario {
            expect_status: 204,
            ..post(
                "request verification: verified user is 204",
                "/api/collections/users/request-verification",
                || json!({"email": USER1_EMAIL}),
            )
        },
        Scenario {
            expect_status: 400,
            expect_json: vec![("/data/token/code", json!("validation_required"))],
            ..post(
                "confirm verification: missing token",
                "/api/collections/users/confirm-verification",
                || json!({}),
            )
        },
        Scenario {
            expect_status: 400,
            expect_json: vec![(
                "/data/token",
                json!({"code": "validation_invalid_token_claims", "message": "Missing email token claim."}),
            )],
            ..post(
                "confirm verification: garbage token has no email claim",
                "/api/collections/users/confirm-verification",
                || json!({"token": "abc"}),
            )
        },
        Scenario {
            expect_status: 400,
            expect_json: vec![("/data/token/code", json!("validation_invalid_token_claims"))],
            ..post(
                "confirm verification: an auth token is no verification token",
                "/api/collections/users/confirm-verification",
                || json!({"token": "{user1_token}"}),
            )
        },
        // request-email-change
        Scenario {
            expect_status: 401,
            expect_json: vec![("/message", json!(NEEDS_AUTH))],
            ..post(
                "request email change: guest",
                "/api/collections/users/request-email-change",
                || json!({"newEmail": "new@example.com"}),
            )
        },
        Scenario {
            expect_status: 403,
            auth: As::Superuser,
            expect_json: vec![(
                "/message",
                json!("The request requires auth record from _superusers collection."),
            )],
            ..post(
                "request email change: a superuser for a user",
                "/api/collections/users/request-email-change",
                || json!({"newEmail": "new@example.com"}),
            )
        },
        Scenario {
            expect_status: 400,
            auth: As::Superuser,
            expect_json: vec![(
                "/message",
                json!("All superusers can change their emails directly."),
            )],
            ..post(
                "request email change: superusers change emails directly",
                "/api/collections/_superusers/request-email-change",
                || json!({"newEmail": "new@example.com"}),
            )
        },
        Scenario {
            expect_status: 400,
            auth: As::User1,
            expect_json: vec![("/data/newEmail/code", json!("validation_required"))],
            ..post(
                "request email change: missing newEmail",
                "/api/collections/users/request-email-change",
                || json!({}),
            )
        },
        Scenario {
            expect_status: 400,
            auth: As::User1,
            expect_json: vec![(
                "/data/newEmail",
                json!({"code": "validation_not_in_invalid", "message": "Must not be in list."}),
            )],
            ..post(
                "request email change: the current email",
                "/api/collections/users/request-email-change",
                || json!({"newEmail": USER1_EMAIL}),
            )
        },
        Scenario {
            expect_status: 400,
            auth: As::User1,
            expect_json: vec![(
                "/data/newEmail",
                json!({"code": "validation_invalid_new_email", "message": "Invalid new email address."}),
            )],
            ..post(
                "request email change: another user's email",
                "/api/collections/users/request-email-change",
                || json!({"newEmail": USER2_EMAIL}),
            )
        },
        // confirm-email-change
        Scenario {
            expect_status: 400,
            expect_json: vec![
                ("/data/token/code", json!("validation_required")),
                ("/data/password/code", json!("validation_required")),
            ],
            ..post(
                "confirm email change: missing fields",
                "/api/collections/users/confirm-email-change",
                || json!({}),
            )
        },
        Scenario {
            expect_status: 400,
            expect_json: vec![
                (
                    "/data/token",
                    json!({"code": "validation_invalid_token_payload",
                           "message": "Invalid token payload - newEmail must be set."}),
                ),
                (
                    "/data/password",
                    json!({"code": "validation_invalid_password",
                           "message": "Missing or invalid auth record password."}),
                ),
            ],
            ..post(
                "confirm email change: an auth token has no newEmail",
                "/api/collections/users/confirm-email-change",
                || json!({"token": "{user1_token}", "password": USER_PASSWORD}),
            )
        },
        Scenario {
            expect_status: 400,
            expect_json: vec![(
                "/message",
                json!("All superusers can change their emails directly."),
            )],
            ..post(
                "confirm email change on superusers",
                "/api/collections/_superusers/confirm-email-change",
                || json!({"token": "x", "password": "y"}),
            )
        },
        // OTP, disabled by default.
        Scenario {
            expect_status: 403,
            expect_json: vec![("/message", json!(OTP_DISABLED))],
            ..post(
                "request otp: disabled on the collection",
                "/api/collections/users/request-otp",
                || json!({"email": USER1_EMAIL}),
            )
        },
        Scenario {
            expect_status: 403,
            expect_json: vec![("/message", json!(OTP_DISABLED))],
            ..post(
                "auth with otp: disabled on the collection",
                "/api/collections/users/auth-with-otp",
                || json!({"otpId": "x", "password": "1"}),
            )
        },
        // Impersonate.
        Scenario {
            expect_status: 401,
            expect_json: vec![("/message", json!(NEEDS_AUTH))],
            ..post(
                "impersonate: guest",
                "/api/collections/users/impersonate/user00000000001",
                || json!({}),
            )
        },
        Scenario {
            expect_status: 403,
            auth: As::User1,
            expect_json: vec![(
                "/message",
                json!("The authorized record is not allowed to perform this action."),
            )],
            ..post(
                "impersonate: a regular user",
                "/api/collections/users/impersonate/user00000000001",
                || json!({}),
            )
        },
        Scenario {
            expect_status: 404,
            auth: As::Superuser,
            expect_json: vec![("/message", json!(NO_AUTH_COLLECTION))],
            ..post(
                "impersonate: unknown collection",
                "/api/collections/nope/impersonate/user00000000001",
                || json!({}),
            )
        },
        Scenario {
            expect_status: 404,
            auth: As::Superuser,
            expect_json: vec![("/message", json!("The requested resource wasn't found."))],
            ..post(
                "impersonate: unknown record",
                "/api/collections/users/impersonate/nope",
                || json!({}),
            )
        },
        Scenario {
            expect_status: 400,
            auth: As::Superuser,
            expect_json: vec![(
                "/data/duration",
                json!({"code": "validation_min_greater_equal_than_required",
                       "message": "Must be no less than 0.", "params": {"threshold": 0}}),
            )],
            ..post(
                "impersonate: negative duration",
                "/api/collections/users/impersonate/user00000000001",
                || json!({"duration": -1}),
            )
        },
        Scenario {
            expect_status: 400,
            auth: As::Superuser,
            expect_json: vec![("/message", json!(LOADING))],
            ..post(
                "impersonate: duration of the wrong type",
                "/api/collections/users/impersonate/user00000000001",
                || json!({"duration": "abc"}),
            )
        },
        Scenario {
            expect_status: 200,
            auth: As::Superuser,
            expect_json: vec![
                ("/record/id", json!(USER1)),
                ("/record/email", json!(USER1_EMAIL)),
            ],
            ..post(
                "impersonate: a superuser gets the record and a token",
                "/api/collections/users/impersonate/user00000000001",
                || json!({"duration": 100}),
            )
        },
        // auth-refresh
        Scenario {
            expect_status: 403,
            auth: As::Superuser,
            expect_json: vec![(
                "/message",
                json!("The request requires auth record from _superusers collection."),
            )],
            ..post(
                "auth-refresh: a superuser token on users",
                "/api/collections/users/auth-refresh",
                || json!({}),
            )
        },
    ];
    run(&s, &fx, &rows);
}

fn token_of(r: &common::Resp) -> String {
    r.json["token"]
        .as_str()
        .unwrap_or_else(|| panic!("no token in {}", r.text))
        .to_string()
}

fn refresh(s: &Server, token: &str) -> common::Resp {
    s.post(
        "/api/collections/users/auth-refresh",
        Auth::Token(token.to_string()),
        json!({}),
    )
}

fn password_login(s: &Server, email: &str, password: &str) -> common::Resp {
    s.post(
        "/api/collections/users/auth-with-password",
        Auth::None,
        json!({"identity": email, "password": password}),
    )
}

#[test]
fn impersonation_tokens_work_but_are_not_refreshed() {
    let (s, fx) = fresh();
    let r = s.post(
        &format!("/api/collections/users/impersonate/{USER1}"),
        Auth::Superuser,
        json!({"duration": 100}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let token = token_of(&r);
    // The token acts as the user...
    let own = s.get(
        &format!("/api/collections/users/records/{USER1}"),
        Auth::Token(token.clone()),
    );
    assert_eq!(own.status, 200, "{}", own.text);
    assert_eq!(own.json["email"], USER1_EMAIL);
    // ...and auth-refresh hands the same token back instead of a new one.
    let refreshed = refresh(&s, &token);
    assert_eq!(refreshed.status, 200, "{}", refreshed.text);
    assert_eq!(token_of(&refreshed), token);
    // A normal token is refreshed into a new one.
    let normal = refresh(&s, &fx.user1_token);
    assert_eq!(normal.status, 200, "{}", normal.text);
    assert_eq!(normal.json["record"]["id"], USER1);
    // An impersonation token is not a superuser token.
    let denied = s.post(
        &format!("/api/collections/users/impersonate/{USER2}"),
        Auth::Token(token),
        json!({}),
    );
    assert_eq!(denied.status, 403, "{}", denied.text);
}

#[test]
fn the_auth_rule_decides_who_may_authenticate() {
    let (s, fx) = fresh();
    let set_rule = |rule: Value| {
        s.must(
            "PATCH",
            "/api/collections/users",
            Auth::Superuser,
            Body::Json(json!({"authRule": rule})),
            200,
        );
    };
    // null: nobody but superusers.
    set_rule(Value::Null);
    let r = password_login(&s, USER1_EMAIL, USER_PASSWORD);
    assert_eq!(
        (r.status, r.json["message"].clone()),
        (403, json!(AUTH_RULE_DENIED))
    );
    let wrong = password_login(&s, USER1_EMAIL, "wrong-password");
    assert_eq!(
        (wrong.status, wrong.json["message"].clone()),
        (400, json!("Failed to authenticate."))
    );
    let as_superuser = s.post(
        "/api/collections/users/auth-with-password",
        Auth::Superuser,
        json!({"identity": USER1_EMAIL, "password": USER_PASSWORD}),
    );
    assert_eq!(as_superuser.status, 200, "{}", as_superuser.text);
    // `""` and `null` are the same rule for token validity: the old token still loads,
    // and auth-refresh checks the rule.
    let r = refresh(&s, &fx.user1_token);
    assert_eq!(
        (r.status, r.json["message"].clone()),
        (403, json!(AUTH_RULE_DENIED))
    );
    let imp = s.post(
        &format!("/api/collections/users/impersonate/{USER1}"),
        Auth::Superuser,
        json!({}),
    );
    assert_eq!(
        imp.status, 200,
        "superusers impersonate whatever the rule: {}",
        imp.text
    );

    // An expression must match the record.
    set_rule(json!("name = 'User Two'"));
    let r = password_login(&s, USER1_EMAIL, USER_PASSWORD);
    assert_eq!(r.status, 403, "{}", r.text);
    let r = password_login(&s, USER2_EMAIL, USER_PASSWORD);
    assert_eq!(r.status, 200, "{}", r.text);
    let user2 = token_of(&r);
    // A changed rule invalidates every older auth token (fx.user1_token was issued before).
    let old = refresh(&s, &fx.user1_token);
    assert_eq!(
        (old.status, old.json["message"].clone()),
        (401, json!(NEEDS_AUTH))
    );
    assert_eq!(refresh(&s, &user2).status, 200);

    set_rule(json!(""));
    assert_eq!(password_login(&s, USER1_EMAIL, USER_PASSWORD).status, 200);
    assert_eq!(refresh(&s, &user2).status, 401, "rule changed again");
}

#[test]
fn the_manage_rule_lets_managers_change_auth_fields() {
    let (s, fx) = fresh();
    s.must(
        "PATCH",
        "/api/collections/users",
        Auth::Superuser,
        Body::Json(json!({
            "updateRule": format!("id = @request.auth.id || @request.auth.id = '{USER2}'"),
            "manageRule": format!("@request.auth.id = '{USER2}'"),
        })),
        200,
    );
    let user2 = token_of(&password_login(&s, USER2_EMAIL, USER_PASSWORD));
    let user1 = token_of(&password_login(&s, USER1_EMAIL, USER_PASSWORD));
    // Without manage access: no email change, no password change without oldPassword.
    let r = s.patch(
        &format!("/api/collections/users/records/{USER1}"),
        Auth::Token(user1.clone()),
        json!({"email": "mine@example.com"}),
    );
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(r.json["data"]["email"].is_object(), "{}", r.text);
    let r = s.patch(
        &format!("/api/collections/users/records/{USER1}"),
        Auth::Token(user1.clone()),
        json!({"password": "newpass123", "passwordConfirm": "newpass123"}),
    );
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(r.json["data"]["oldPassword"].is_object(), "{}", r.text);
    // The manager may change email, verified and password directly.
    let r = s.patch(
        &format!("/api/collections/users/records/{USER1}"),
        Auth::Token(user2.clone()),
        json!({"email": "managed@example.com", "verified": false,
               "password": "managed-pass-1", "passwordConfirm": "managed-pass-1"}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["verified"], false);
    assert_eq!(
        r.json["email"], "managed@example.com",
        "managers see the email of the records they manage"
    );
    // The old token of user1 is dead (tokenKey rotated), the new password works.
    assert_eq!(refresh(&s, &user1).status, 401);
    assert_eq!(refresh(&s, &fx.user1_token).status, 401);
    let r = password_login(&s, "managed@example.com", "managed-pass-1");
    assert_eq!(r.status, 200, "{}", r.text);
    // The manager rule does not extend to the manager's own view of others' rules:
    // user1 cannot manage user2.
    let r = s.patch(
        &format!("/api/collections/users/records/{USER2}"),
        Auth::Token(token_of(&r)),
        json!({"email": "stolen@example.com"}),
    );
    assert_eq!(r.status, 404, "{}", r.text);
}

#[test]
fn otp_ids_do_not_reveal_accounts() {
    let (s, _fx) = fresh();
    enable_otp(&s, "users");
    let rows = [("nobody@example.com", 200), (USER1_EMAIL, 200)];
    for (email, status) in rows {
        let r = s.post(
            "/api/collections/users/request-otp",
            Auth::None,
            json!({"email": email}),
        );
        assert_eq!(r.status, status, "{email}: {}", r.text);
        let keys: Vec<&String> = r
            .json
            .as_object()
            .map(|o| o.keys().collect())
            .unwrap_or_default();
        assert_eq!(keys, ["otpId"], "{}", r.text);
        assert_eq!(
            r.json["otpId"].as_str().map(str::len),
            Some(15),
            "{}",
            r.text
        );
        let used = s.post(
            "/api/collections/users/auth-with-otp",
            Auth::None,
            json!({"otpId": r.json["otpId"], "password": "12345678"}),
        );
        assert_eq!(
            (used.status, used.json["message"].clone()),
            (400, json!(INVALID_OTP)),
            "{email}: {}",
            used.text
        );
    }
    let r = s.post("/api/collections/users/request-otp", Auth::None, json!({}));
    assert_eq!(r.status, 400);
    assert_eq!(r.json["data"]["email"], required());
    let r = s.post(
        "/api/collections/users/auth-with-otp",
        Auth::None,
        json!({}),
    );
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json["data"],
        json!({"otpId": required(), "password": required()})
    );
    let r = s.post(
        "/api/collections/users/auth-with-otp",
        Auth::None,
        json!({"otpId": "x".repeat(256), "password": "1".repeat(72)}),
    );
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json["data"]["otpId"]["code"],
        "validation_length_out_of_range"
    );
    assert_eq!(
        r.json["data"]["password"]["code"],
        "validation_length_out_of_range"
    );
}

// ---------------------------------------------------------------------------------
// Mail flows: tokens and codes read from a local SMTP sink.

/// Starts a local SMTP sink and points the server's SMTP settings at it.
fn mail_ready(s: &Server) -> MailSink {
    let sink = MailSink::start();
    assert_eq!(
        sink.configure(s),
        200,
        "PATCH /api/settings must accept the SMTP sink"
    );
    sink
}

#[test]
fn password_reset_by_mail() {
    let (s, fx) = fresh();
    let sink = mail_ready(&s);
    let r = s.post(
        "/api/collections/users/request-password-reset",
        Auth::None,
        json!({"email": USER1_EMAIL}),
    );
    assert_eq!(r.status, 204, "{}", r.text);
    let mail = sink.wait_for(USER1_EMAIL, 0);
    assert!(
        mail.text().contains("Reset your Acme password"),
        "{}",
        mail.data
    );
    let token = mail.token().expect("a token in the reset mail");
    // A reset token is no auth token.
    assert_eq!(refresh(&s, &token).status, 401);
    // Nor a verification token.
    let r = s.post(
        "/api/collections/users/confirm-verification",
        Auth::None,
        json!({"token": token}),
    );
    assert_eq!(r.status, 400, "{}", r.text);
    // Another auth collection refuses it.
    let r = s.post(
        "/api/collections/_superusers/confirm-password-reset",
        Auth::None,
        json!({"token": token, "password": "new-password-1", "passwordConfirm": "new-password-1"}),
    );
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(
        r.json["data"]["token"]["code"],
        "validation_token_collection_mismatch"
    );
    let r = s.post(
        "/api/collections/users/confirm-password-reset",
        Auth::None,
        json!({"token": token, "password": "new-password-1", "passwordConfirm": "new-password-1"}),
    );
    assert_eq!(r.status, 204, "{}", r.text);
    // tokenKey rotated: old auth tokens and the reset token itself are dead.
    assert_eq!(refresh(&s, &fx.user1_token).status, 401);
    let again = s.post(
        "/api/collections/users/confirm-password-reset",
        Auth::None,
        json!({"token": token, "password": "new-password-2", "passwordConfirm": "new-password-2"}),
    );
    assert_eq!(again.status, 400, "single use: {}", again.text);
    assert_eq!(password_login(&s, USER1_EMAIL, USER_PASSWORD).status, 400);
    assert_eq!(
        password_login(&s, USER1_EMAIL, "new-password-1").status,
        200
    );
    // Unknown emails get no mail.
    let before = sink.all().len();
    let r = s.post(
        "/api/collections/users/request-password-reset",
        Auth::None,
        json!({"email": "nobody@example.com"}),
    );
    assert_eq!(r.status, 204);
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(sink.count_to("nobody@example.com"), 0);
    assert!(sink.all().len() <= before + 1);
}

#[test]
fn verification_by_mail() {
    let (s, _fx) = fresh();
    let sink = mail_ready(&s);
    let email = "unverified@example.com";
    s.must(
        "POST",
        "/api/collections/users/records",
        Auth::Superuser,
        Body::Json(json!({"email": email, "password": USER_PASSWORD,
                          "passwordConfirm": USER_PASSWORD, "verified": false})),
        200,
    );
    let r = s.post(
        "/api/collections/users/request-verification",
        Auth::None,
        json!({"email": email}),
    );
    assert_eq!(r.status, 204, "{}", r.text);
    let token = sink
        .wait_for(email, 0)
        .token()
        .expect("a verification token");
    let r = s.post(
        "/api/collections/users/confirm-password-reset",
        Auth::None,
        json!({"token": token, "password": "new-password-1", "passwordConfirm": "new-password-1"}),
    );
    assert_eq!(
        r.status, 400,
        "a verification token is no reset token: {}",
        r.text
    );
    // A superuser watching users in realtime sees the verification as an update.
    let watcher = common::sse::SseClient::connect(s.port);
    let subscribed = s.request(
        "POST",
        "/api/realtime",
        &Auth::Superuser,
        &Body::Json(json!({"clientId": watcher.client_id, "subscriptions": ["users/*"]})),
    );
    assert_eq!(subscribed.status, 204, "{}", subscribed.text);
    let r = s.post(
        "/api/collections/users/confirm-verification",
        Auth::None,
        json!({"token": token}),
    );
    assert_eq!(r.status, 204, "{}", r.text);
    let event = watcher.wait_for(
        |e| e.data["record"]["email"] == email,
        std::time::Duration::from_secs(5),
    );
    assert_eq!(event.data["action"], "update");
    assert_eq!(event.data["record"]["verified"], true);
    let login = password_login(&s, email, USER_PASSWORD);
    assert_eq!(login.json["record"]["verified"], true, "{}", login.text);
}

#[test]
fn email_change_by_mail() {
    let (s, fx) = fresh();
    let sink = mail_ready(&s);
    let new_email = "renamed@example.com";
    let r = s.post(
        "/api/collections/users/request-email-change",
        Auth::Token(fx.user1_token.clone()),
        json!({"newEmail": new_email}),
    );
    assert_eq!(r.status, 204, "{}", r.text);
    let token = sink
        .wait_for(new_email, 0)
        .token()
        .expect("an email change token");
    let r = s.post(
        "/api/collections/users/confirm-email-change",
        Auth::None,
        json!({"token": token, "password": "wrong-password"}),
    );
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json["data"]["password"]["code"],
        "validation_invalid_password"
    );
    let r = s.post(
        "/api/collections/users/confirm-email-change",
        Auth::None,
        json!({"token": token, "password": USER_PASSWORD}),
    );
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(refresh(&s, &fx.user1_token).status, 401, "tokenKey rotated");
    assert_eq!(password_login(&s, USER1_EMAIL, USER_PASSWORD).status, 400);
    let login = password_login(&s, new_email, USER_PASSWORD);
    assert_eq!(login.status, 200, "{}", login.text);
    assert_eq!(login.json["record"]["email"], new_email);
}

#[test]
fn otp_by_mail() {
    let (s, _fx) = fresh();
    let sink = mail_ready(&s);
    enable_otp(&s, "users");
    let request = || {
        let r = s.post(
            "/api/collections/users/request-otp",
            Auth::None,
            json!({"email": USER1_EMAIL}),
        );
        assert_eq!(r.status, 200, "{}", r.text);
        r.json["otpId"].as_str().expect("otpId").to_string()
    };
    let auth = |otp_id: &str, code: &str| {
        s.post(
            "/api/collections/users/auth-with-otp",
            Auth::None,
            json!({"otpId": otp_id, "password": code}),
        )
    };
    // A good code authenticates once.
    let otp_id = request();
    let code = sink.wait_for(USER1_EMAIL, 0).otp().expect("an OTP code");
    let r = auth(&otp_id, &code);
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["record"]["id"], USER1);
    let again = auth(&otp_id, &code);
    assert_eq!(
        (again.status, again.json["message"].clone()),
        (400, json!(INVALID_OTP))
    );
    // Five tries per record (the successful one above counts), then 429 even for the
    // right code.
    let otp_id = request();
    let code = sink.wait_for(USER1_EMAIL, 1).otp().expect("an OTP code");
    for attempt in 0..3 {
        let r = auth(&otp_id, "00000000");
        assert_eq!(r.status, 400, "attempt {attempt}: {}", r.text);
    }
    let r = auth(&otp_id, "00000000");
    assert_eq!(r.status, 400, "fifth attempt: {}", r.text);
    let r = auth(&otp_id, &code);
    assert_eq!(r.status, 429, "{}", r.text);
    assert_eq!(
        r.json["message"],
        "Too many attempts, please try again later with a new OTP."
    );
    // Another collection's OTP endpoint refuses the id.
    enable_otp(&s, "_superusers");
    let otp_id = request();
    let code = sink.wait_for(USER1_EMAIL, 2).otp().expect("an OTP code");
    let r = s.post(
        "/api/collections/_superusers/auth-with-otp",
        Auth::None,
        json!({"otpId": otp_id, "password": code}),
    );
    assert_eq!(
        (r.status, r.json["message"].clone()),
        (400, json!(INVALID_OTP))
    );
}
