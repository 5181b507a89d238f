use serde_json::json;

use super::*;

fn labels(items: &[&str]) -> Vec<String> {
    items.iter().map(|item| item.to_string()).collect()
}

#[test]
fn defaults_match_pocketbase() {
    let public = Settings::default().to_public_json();
    assert_eq!(public["smtp"].get("password"), None);
    assert_eq!(public["s3"].get("secret"), None);
    assert_eq!(public["backups"]["s3"].get("secret"), None);
    assert_eq!(public["meta"]["appURL"], json!("http://localhost:8090"));
    assert_eq!(public["rateLimits"]["rules"][0]["label"], json!("*:auth"));
    let keys: Vec<&String> = public.as_object().expect("object").keys().collect();
    assert_eq!(
        keys,
        [
            "superuserIPs",
            "smtp",
            "backups",
            "s3",
            "meta",
            "rateLimits",
            "trustedProxy",
            "batch",
            "logs"
        ]
    );
}

#[test]
fn merge_keeps_what_the_patch_leaves_out_and_nulls_reset() {
    let mut settings = Settings::default();
    settings.smtp.password = "secret".into();
    let patch =
        json!({"smtp": {"host": "mail.test"}, "meta": {"appName": null}, "superuserIPs": null});
    let Value::Object(patch) = patch else {
        panic!()
    };
    let merged = settings.merged(patch).expect("merge");
    assert_eq!(merged.smtp.host, "mail.test");
    assert_eq!(merged.smtp.password, "secret");
    assert_eq!(merged.smtp.port, 587);
    assert_eq!(merged.meta.app_name, "");
    let Value::Object(bad) = json!({"smtp": {"port": "x"}}) else {
        panic!()
    };
    assert!(settings.merged(bad).is_err());
}

#[test]
fn rule_lookup_follows_pocketbase_order() {
    let limits = RateLimitSettings::default();
    let guest = [AUDIENCE_ALL, AUDIENCE_GUEST];
    let found = |items: &[&str]| {
        limits
            .find_rule(&labels(items), &guest)
            .map(|r| r.label.clone())
    };
    assert_eq!(
        found(&["users:auth", "*:auth", "POST /api/x", "/api/x"]),
        Some("*:auth".into())
    );
    assert_eq!(
        found(&["POST /api/batch", "/api/batch"]),
        Some("/api/batch".into())
    );
    assert_eq!(
        found(&["GET /api/health", "/api/health"]),
        Some("/api/".into())
    );
    assert_eq!(found(&["GET /api", "/api"]), Some("/api/".into()));
    assert_eq!(found(&["GET /_/", "/_/"]), None);
    let mut only_auth = RateLimitSettings::default();
    only_auth.rules[0].audience = AUDIENCE_AUTH.into();
    let found = only_auth.find_rule(&labels(&["users:auth", "*:auth"]), &guest);
    assert_eq!(found, None);
}

#[test]
fn syntax_checks() {
    for (text, want) in [
        ("@daily", true),
        ("*/5 * * * *", true),
        ("0 0 1-5 1,6 0", true),
        ("bad", false),
        ("60 * * * *", false),
        ("* * * *", false),
    ] {
        assert_eq!(is_cron(text), want, "cron {text}");
    }
    for (text, want) in [
        ("1.2.3.4", true),
        ("10.0.0.0/8", true),
        ("::1", true),
        ("fe80::/10", true),
        ("x", false),
        ("1.2.3.4/33", false),
    ] {
        assert_eq!(is_ip_or_subnet(text), want, "ip {text}");
    }
    let list = labels(&["10.0.0.0/8", "::1"]);
    assert!(ip_in_list(&list, "10.1.2.3".parse().expect("ip")));
    assert!(ip_in_list(&list, "::1".parse().expect("ip")));
    assert!(!ip_in_list(&list, "11.0.0.1".parse().expect("ip")));
    assert!(ip_in_list(&list, "::ffff:10.0.0.1".parse().expect("ip")));
    for (label, want) in [
        ("*:auth", true),
        ("users:create", true),
        ("/api/", true),
        ("POST /api/batch", true),
        ("tag_1", true),
        ("bad label!", false),
        ("a:b:c", false),
    ] {
        assert_eq!(is_rule_label(label), want, "label {label}");
    }
    for (host, want) in [
        ("smtp.example.com", true),
        ("127.0.0.1", true),
        ("bad host!", false),
        ("x y", false),
    ] {
        assert_eq!(is_host(host), want, "host {host}");
    }
}

#[test]
fn validation_errors_nest_by_section() {
    let mut settings = Settings::default();
    settings.meta.app_url = "not a url".into();
    settings.rate_limits.rules.push(RateLimitRule {
        label: "*:auth".into(),
        audience: String::new(),
        duration: 1,
        max_requests: 1,
    });
    let errors = settings.validate().expect_err("invalid").to_json();
    assert_eq!(errors["meta"]["appURL"]["code"], json!("validation_is_url"));
    assert_eq!(
        errors["rateLimits"]["rules"]["4"]["label"]["code"],
        json!("validation_conflicting_rate_limit_rule")
    );
    assert!(Settings::default().validate().is_ok());
}
