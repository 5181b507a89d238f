use serde_json::json;

use super::*;
use crate::core::collection::CollectionKind;

#[test]
fn otp_options_default_to_pocketbases() {
    let mut collection = Collection::new("users", CollectionKind::Auth);
    assert_eq!(otp_options(&collection), (false, 180, 8));
    collection.auth_options.insert(
        "otp".into(),
        json!({"enabled": true, "duration": 60, "length": 6}),
    );
    assert_eq!(otp_options(&collection), (true, 60, 6));
    collection
        .auth_options
        .insert("otp".into(), json!({"enabled": true, "length": 1000}));
    assert_eq!(otp_options(&collection), (true, 180, 64));
}

#[test]
fn an_otp_expires_after_its_duration() {
    let created = 1_000_000;
    assert!(!has_expired(created, 180, created));
    assert!(!has_expired(created, 180, created + 180_000));
    assert!(has_expired(created, 180, created + 180_001));
    assert!(!has_expired(created, i64::MAX, i64::MAX));
}
