use serde_json::json;

use super::*;
use crate::core::collection::CollectionKind;

fn users() -> Collection {
    Collection::new("users", CollectionKind::Auth)
}

fn record(token_key: &str) -> Map<String, Value> {
    json!({"id": "user00000000001", "email": "u1@example.com", "tokenKey": token_key})
        .as_object()
        .cloned()
        .unwrap_or_default()
}

const KINDS: [TokenKind; 5] = [
    TokenKind::Auth,
    TokenKind::File,
    TokenKind::Verification,
    TokenKind::PasswordReset,
    TokenKind::EmailChange,
];

#[test]
fn every_kind_verifies_only_as_itself() {
    let collection = users();
    let record = record("key-one");
    for kind in KINDS {
        let token = new_token(&collection, &record, kind, TokenExtras::default()).unwrap();
        for other in KINDS {
            assert_eq!(
                verify(&collection, &record, &token, other),
                kind == other,
                "{kind:?} token checked as {other:?}"
            );
        }
    }
}

#[test]
fn a_token_claiming_another_type_with_the_right_secret_is_refused() {
    // Signed with the password reset secret but claiming `auth`: the type claim and the
    // secret must agree.
    let collection = users();
    let record = record("key-one");
    let claims = TokenClaims {
        collection_id: collection.id.clone(),
        exp: chrono::Utc::now().timestamp() + 60,
        id: "user00000000001".into(),
        token_type: "auth".into(),
        ..TokenClaims::default()
    };
    let token = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(&signing_key(&collection, &record, TokenKind::PasswordReset)),
    )
    .unwrap();
    assert!(!verify(
        &collection,
        &record,
        &token,
        TokenKind::PasswordReset
    ));
    assert!(!verify(&collection, &record, &token, TokenKind::Auth));
}

#[test]
fn a_new_token_key_invalidates_older_tokens() {
    let collection = users();
    let token = new_token(
        &collection,
        &record("key-one"),
        TokenKind::PasswordReset,
        TokenExtras::default(),
    )
    .unwrap();
    assert!(verify(
        &collection,
        &record("key-one"),
        &token,
        TokenKind::PasswordReset
    ));
    assert!(!verify(
        &collection,
        &record("key-two"),
        &token,
        TokenKind::PasswordReset
    ));
}

#[test]
fn a_rotated_collection_secret_invalidates_older_tokens() {
    let mut collection = users();
    let record = record("key-one");
    let token = new_token(
        &collection,
        &record,
        TokenKind::Auth,
        TokenExtras::default(),
    )
    .unwrap();
    collection.rotate_token_secret("authToken");
    assert!(!verify(&collection, &record, &token, TokenKind::Auth));
}

#[test]
fn tampered_expired_and_foreign_tokens_are_refused() {
    let collection = users();
    let record = record("key-one");
    let token = new_token(
        &collection,
        &record,
        TokenKind::Verification,
        TokenExtras::default(),
    )
    .unwrap();
    // Tampered payload: another record's claims under this token's signature.
    let mut other_record = record.clone();
    other_record.insert("id".into(), json!("user00000000002"));
    let other_token = new_token(
        &collection,
        &other_record,
        TokenKind::Verification,
        TokenExtras::default(),
    )
    .unwrap();
    let parts: Vec<&str> = token.split('.').collect();
    let other_parts: Vec<&str> = other_token.split('.').collect();
    let forged = format!("{}.{}.{}", parts[0], other_parts[1], parts[2]);
    assert!(!verify(
        &collection,
        &other_record,
        &forged,
        TokenKind::Verification
    ));
    // Expired.
    let expired = TokenClaims {
        exp: chrono::Utc::now().timestamp() - 5,
        ..unverified_claims(&token).unwrap()
    };
    let expired = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &expired,
        &EncodingKey::from_secret(&signing_key(&collection, &record, TokenKind::Verification)),
    )
    .unwrap();
    assert!(!verify(
        &collection,
        &record,
        &expired,
        TokenKind::Verification
    ));
    // Issued by another collection with the same record id and token key.
    let other = Collection::new("members", CollectionKind::Auth);
    let foreign = new_token(
        &other,
        &record,
        TokenKind::Verification,
        TokenExtras::default(),
    )
    .unwrap();
    assert!(!verify(
        &collection,
        &record,
        &foreign,
        TokenKind::Verification
    ));
    // Garbage.
    assert!(!verify(
        &collection,
        &record,
        "not.a.jwt",
        TokenKind::Verification
    ));
    assert!(unverified_claims("garbage").is_none());
    assert!(unverified_claims("").is_none());
}

#[test]
fn claims_are_pocketbases() {
    let collection = users();
    let record = record("key-one");
    let now = chrono::Utc::now().timestamp();
    let auth = unverified_claims(
        &new_token(
            &collection,
            &record,
            TokenKind::Auth,
            TokenExtras::default(),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(auth.token_type, "auth");
    assert_eq!(auth.refreshable, Some(true));
    assert_eq!(auth.email, None);
    assert_eq!(auth.collection_id, collection.id);
    assert_eq!(auth.id, "user00000000001");
    let (_, duration) = collection.token_options("authToken");
    assert!((auth.exp - now - duration).abs() <= 2);

    let impersonation = unverified_claims(
        &new_token(
            &collection,
            &record,
            TokenKind::Auth,
            TokenExtras {
                duration: Some(100),
                refreshable: Some(false),
                ..TokenExtras::default()
            },
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(impersonation.refreshable, Some(false));
    assert!((impersonation.exp - now - 100).abs() <= 2);

    let change = unverified_claims(
        &new_token(
            &collection,
            &record,
            TokenKind::EmailChange,
            TokenExtras {
                new_email: Some("new@example.com".into()),
                ..TokenExtras::default()
            },
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(change.token_type, "emailChange");
    assert_eq!(change.email.as_deref(), Some("u1@example.com"));
    assert_eq!(change.new_email.as_deref(), Some("new@example.com"));
    assert_eq!(change.refreshable, None);

    let reset = unverified_claims(
        &new_token(
            &collection,
            &record,
            TokenKind::PasswordReset,
            TokenExtras::default(),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(reset.token_type, "passwordReset");
    assert_eq!(reset.email.as_deref(), Some("u1@example.com"));
    assert_eq!(reset.new_email, None);
    for kind in KINDS {
        assert_eq!(TokenKind::parse(kind.as_str()), Some(kind));
    }
    assert_eq!(TokenKind::parse("admin"), None);
}
