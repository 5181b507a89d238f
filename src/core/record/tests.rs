//! Table tests of `prepare` and `to_json`: each row is a field, a request body (and the
//! stored row on update) and the stored value or error code expected. Expected values
//! were checked against PocketBase 0.40.6 where PocketBase defines them.

use serde_json::{Map, Value, json};

use super::*;
use crate::core::collection::{Collection, CollectionKind, Field, FieldKind};
use crate::core::error::FieldErrors;

const NOW: &str = "2026-01-02 03:04:05.678Z";
const STORED_ID: &str = "abcdefghijklmno";

fn text(min: i64, max: i64, pattern: &str) -> FieldKind {
    FieldKind::Text {
        min,
        max,
        pattern: pattern.into(),
        autogenerate_pattern: String::new(),
        primary_key: false,
    }
}

fn number(min: Option<f64>, max: Option<f64>, only_int: bool) -> FieldKind {
    FieldKind::Number { min, max, only_int }
}

fn select(max_select: i64, values: &[&str]) -> FieldKind {
    FieldKind::Select {
        max_select,
        values: values.iter().map(|value| value.to_string()).collect(),
    }
}

fn relation(min_select: i64, max_select: i64) -> FieldKind {
    FieldKind::Relation {
        collection_id: "_pb_users_auth_".into(),
        cascade_delete: false,
        min_select,
        max_select,
    }
}

fn file(max_select: i64) -> FieldKind {
    FieldKind::File {
        max_select,
        max_size: 0,
        mime_types: vec![],
        thumbs: vec![],
        protected: false,
    }
}

fn email(only: &[&str], except: &[&str]) -> FieldKind {
    FieldKind::Email {
        only_domains: only.iter().map(|domain| domain.to_string()).collect(),
        except_domains: except.iter().map(|domain| domain.to_string()).collect(),
    }
}

fn url(only: &[&str], except: &[&str]) -> FieldKind {
    FieldKind::Url {
        only_domains: only.iter().map(|domain| domain.to_string()).collect(),
        except_domains: except.iter().map(|domain| domain.to_string()).collect(),
    }
}

fn date(min: &str, max: &str) -> FieldKind {
    FieldKind::Date {
        min: min.into(),
        max: max.into(),
    }
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

fn base_with(field: Field) -> Collection {
    let mut collection = Collection::new("posts", CollectionKind::Base);
    collection.fields.push(field);
    collection
}

fn error_code(errors: &FieldErrors, field: &str) -> Option<String> {
    errors.to_json()[field]["code"].as_str().map(str::to_string)
}

/// What a row expects for its field `f`.
enum Expect {
    Value(Value),
    Error(&'static str),
}

struct Row {
    name: &'static str,
    kind: FieldKind,
    required: bool,
    /// The stored value of `f` on update; `None` means create.
    stored: Option<Value>,
    input: Value,
    expect: Expect,
}

const fn row(name: &'static str) -> RowBuilder {
    RowBuilder { name }
}

struct RowBuilder {
    name: &'static str,
}

impl RowBuilder {
    fn create(self, kind: FieldKind, input: Value, expect: Expect) -> Row {
        Row {
            name: self.name,
            kind,
            required: false,
            stored: None,
            input,
            expect,
        }
    }

    fn required(self, kind: FieldKind, input: Value, expect: Expect) -> Row {
        Row {
            required: true,
            ..self.create(kind, input, expect)
        }
    }

    fn update(self, kind: FieldKind, stored: Value, input: Value, expect: Expect) -> Row {
        Row {
            stored: Some(stored),
            ..self.create(kind, input, expect)
        }
    }
}

fn ok(value: Value) -> Expect {
    Expect::Value(value)
}

fn err(code: &'static str) -> Expect {
    Expect::Error(code)
}

fn run(rows: Vec<Row>) {
    let mut failures = vec![];
    for row in rows {
        let mut field = Field::new("f", row.kind.clone());
        field.required = row.required;
        let collection = base_with(field);
        let stored = row
            .stored
            .as_ref()
            .map(|value| object(json!({"id": STORED_ID, "f": value})));
        let result = prepare(
            &collection,
            stored.as_ref(),
            &object(row.input.clone()),
            &PrepareOptions::new(NOW),
        );
        let outcome = match (&row.expect, &result) {
            (Expect::Value(expected), Ok(prepared)) => {
                if prepared.values.get("f") == Some(expected) {
                    None
                } else {
                    Some(format!("got {:?}", prepared.values.get("f")))
                }
            }
            (Expect::Error(code), Err(errors)) => {
                if error_code(errors, "f").as_deref() == Some(*code) {
                    None
                } else {
                    Some(format!("got errors {}", errors.to_json()))
                }
            }
            (Expect::Value(_), Err(errors)) => Some(format!("got errors {}", errors.to_json())),
            (Expect::Error(_), Ok(prepared)) => Some(format!("got {:?}", prepared.values.get("f"))),
        };
        if let Some(outcome) = outcome {
            failures.push(format!("{}: {outcome}", row.name));
        }
    }
    assert!(
        failures.is_empty(),
        "failing rows:\n{}",
        failures.join("\n")
    );
}

#[test]
fn text_fields() {
    let long = "x".repeat(5001);
    run(vec![
        row("text is kept untrimmed").create(
            text(0, 0, ""),
            json!({"f": "  hi  "}),
            ok(json!("  hi  ")),
        ),
        row("text from a number uses Go's shortest form").create(
            text(0, 0, ""),
            json!({"f": 12.50}),
            ok(json!("12.5")),
        ),
        row("text from a huge number has no exponent").create(
            text(0, 0, ""),
            json!({"f": 1e21}),
            ok(json!("1000000000000000000000")),
        ),
        row("text from a bool").create(text(0, 0, ""), json!({"f": true}), ok(json!("true"))),
        row("text from an object is empty").create(
            text(0, 0, ""),
            json!({"f": {"a": 1}}),
            ok(json!("")),
        ),
        row("text from an array is empty").create(
            text(0, 0, ""),
            json!({"f": ["ab"]}),
            ok(json!("")),
        ),
        row("text null is empty").create(text(0, 0, ""), json!({"f": null}), ok(json!(""))),
        row("text missing is empty").create(text(0, 0, ""), json!({}), ok(json!(""))),
        row("text SQL-looking is stored verbatim").create(
            text(0, 0, ""),
            json!({"f": "'; DROP TABLE posts; --"}),
            ok(json!("'; DROP TABLE posts; --")),
        ),
        row("text required blank").required(
            text(0, 0, ""),
            json!({"f": ""}),
            err("validation_required"),
        ),
        row("text required missing").required(
            text(0, 0, ""),
            json!({}),
            err("validation_required"),
        ),
        row("text min counts characters, not bytes").create(
            text(3, 0, ""),
            json!({"f": "ééé"}),
            ok(json!("ééé")),
        ),
        row("text under min").create(
            text(3, 0, ""),
            json!({"f": "ab"}),
            err("validation_min_text_constraint"),
        ),
        row("text empty skips min").create(text(3, 0, ""), json!({"f": ""}), ok(json!(""))),
        row("text over max").create(
            text(0, 3, ""),
            json!({"f": "abcd"}),
            err("validation_max_text_constraint"),
        ),
        row("text emoji count as one").create(
            text(0, 3, ""),
            json!({"f": "😀😀😀"}),
            ok(json!("😀😀😀")),
        ),
        row("text default max is 5000").create(
            text(0, 0, ""),
            json!({"f": long}),
            err("validation_max_text_constraint"),
        ),
        row("text pattern matches").create(
            text(0, 0, "^[a-z]+$"),
            json!({"f": "abc"}),
            ok(json!("abc")),
        ),
        row("text pattern mismatch").create(
            text(0, 0, "^[a-z]+$"),
            json!({"f": "Abc"}),
            err("validation_invalid_format"),
        ),
        row("text invalid pattern matches nothing").create(
            text(0, 0, "(["),
            json!({"f": "abc"}),
            err("validation_invalid_format"),
        ),
        row("text set on update").update(
            text(0, 0, ""),
            json!("old"),
            json!({"f": "new"}),
            ok(json!("new")),
        ),
        row("text kept on update when absent").update(
            text(0, 0, ""),
            json!("old"),
            json!({}),
            ok(json!("old")),
        ),
        row("text has no append modifier").update(
            text(0, 0, ""),
            json!("old"),
            json!({"f+": "x"}),
            ok(json!("old")),
        ),
        row("editor over maxSize in bytes").create(
            FieldKind::Editor {
                max_size: 5,
                convert_urls: false,
            },
            json!({"f": "éééé"}),
            err("validation_content_size_limit"),
        ),
        row("editor within maxSize").create(
            FieldKind::Editor {
                max_size: 5,
                convert_urls: false,
            },
            json!({"f": "<p>"}),
            ok(json!("<p>")),
        ),
        row("editor required").required(
            FieldKind::Editor {
                max_size: 0,
                convert_urls: false,
            },
            json!({"f": ""}),
            err("validation_required"),
        ),
    ]);
}

#[test]
fn number_fields() {
    run(vec![
        row("number from a numeric string").create(
            number(None, None, false),
            json!({"f": "12"}),
            ok(json!(12)),
        ),
        row("number from exponent string").create(
            number(None, None, false),
            json!({"f": "1.5e2"}),
            ok(json!(150)),
        ),
        row("number from a plus-signed string").create(
            number(None, None, false),
            json!({"f": "+5"}),
            ok(json!(5)),
        ),
        row("number with Go digit underscores").create(
            number(None, None, false),
            json!({"f": "1_000"}),
            ok(json!(1000)),
        ),
        row("number with doubled underscores is 0").create(
            number(None, None, false),
            json!({"f": "1__0"}),
            ok(json!(0)),
        ),
        row("number from garbage is 0").create(
            number(None, None, false),
            json!({"f": "abc"}),
            ok(json!(0)),
        ),
        row("number with spaces is 0").create(
            number(None, None, false),
            json!({"f": " 5"}),
            ok(json!(0)),
        ),
        row("number from hex without exponent is 0").create(
            number(None, None, false),
            json!({"f": "0x10"}),
            ok(json!(0)),
        ),
        row("number from true is 1").create(
            number(None, None, false),
            json!({"f": true}),
            ok(json!(1)),
        ),
        row("number from an array is 0").create(
            number(None, None, false),
            json!({"f": [5]}),
            ok(json!(0)),
        ),
        row("number keeps decimals").create(
            number(None, None, false),
            json!({"f": 2.5}),
            ok(json!(2.5)),
        ),
        row("number huge float").create(
            number(None, None, false),
            json!({"f": 1e300}),
            ok(json!(1e300)),
        ),
        row("number NaN string is rejected").create(
            number(None, None, false),
            json!({"f": "NaN"}),
            err("validation_not_a_number"),
        ),
        row("number Inf string is rejected").create(
            number(None, None, false),
            json!({"f": "-Infinity"}),
            err("validation_not_a_number"),
        ),
        row("number out-of-range string is 0, not Inf").create(
            number(None, None, false),
            json!({"f": "1e400"}),
            ok(json!(0)),
        ),
        row("number only int").create(
            number(None, None, true),
            json!({"f": 2.5}),
            err("validation_only_int_constraint"),
        ),
        row("number only int accepts 3.0").create(
            number(None, None, true),
            json!({"f": 3.0}),
            ok(json!(3)),
        ),
        row("number under min").create(
            number(Some(-5.0), None, false),
            json!({"f": -10}),
            err("validation_min_number_constraint"),
        ),
        row("number zero skips min").create(
            number(Some(5.0), None, false),
            json!({"f": 0}),
            ok(json!(0)),
        ),
        row("number over max").create(
            number(None, Some(100.0), false),
            json!({"f": 101}),
            err("validation_max_number_constraint"),
        ),
        row("number required zero").required(
            number(None, None, false),
            json!({"f": 0}),
            err("validation_required"),
        ),
        row("number add modifier").update(
            number(None, None, false),
            json!(10),
            json!({"f+": 5}),
            ok(json!(15)),
        ),
        row("number subtract modifier").update(
            number(None, None, false),
            json!(10),
            json!({"f-": "3"}),
            ok(json!(7)),
        ),
        row("number add on create starts at 0").create(
            number(None, None, false),
            json!({"f+": 4}),
            ok(json!(4)),
        ),
        row("number set then add").update(
            number(None, None, false),
            json!(10),
            json!({"f": 1, "f+": 2}),
            ok(json!(3)),
        ),
        row("number add can overflow to Inf").update(
            number(None, None, false),
            json!(1.7e308),
            json!({"f+": 1.7e308}),
            err("validation_not_a_number"),
        ),
        row("number prepend is not a modifier").update(
            number(None, None, false),
            json!(10),
            json!({"+f": 5}),
            ok(json!(10)),
        ),
        row("number subtract result checked against min").update(
            number(Some(0.0), None, false),
            json!(1),
            json!({"f-": 2}),
            err("validation_min_number_constraint"),
        ),
    ]);
}

#[test]
fn bool_fields() {
    run(vec![
        row("bool true").create(FieldKind::Bool, json!({"f": true}), ok(json!(true))),
        row("bool from 't'").create(FieldKind::Bool, json!({"f": "t"}), ok(json!(true))),
        row("bool from 'TRUE'").create(FieldKind::Bool, json!({"f": "TRUE"}), ok(json!(true))),
        row("bool from '1'").create(FieldKind::Bool, json!({"f": "1"}), ok(json!(true))),
        row("bool from 'yes' is false").create(
            FieldKind::Bool,
            json!({"f": "yes"}),
            ok(json!(false)),
        ),
        row("bool from ' true' is false").create(
            FieldKind::Bool,
            json!({"f": " true"}),
            ok(json!(false)),
        ),
        row("bool from 'on' is false").create(
            FieldKind::Bool,
            json!({"f": "on"}),
            ok(json!(false)),
        ),
        row("bool from 2 is true").create(FieldKind::Bool, json!({"f": 2}), ok(json!(true))),
        row("bool from null is false").create(
            FieldKind::Bool,
            json!({"f": null}),
            ok(json!(false)),
        ),
        row("bool required false").required(
            FieldKind::Bool,
            json!({"f": false}),
            err("validation_required"),
        ),
        row("bool update from stored 1").update(
            FieldKind::Bool,
            json!(1),
            json!({}),
            ok(json!(true)),
        ),
    ]);
}

#[test]
fn email_and_url_fields() {
    run(vec![
        row("email valid").create(
            email(&[], &[]),
            json!({"f": "a.b+c@example.io"}),
            ok(json!("a.b+c@example.io")),
        ),
        row("email keeps case").create(
            email(&[], &[]),
            json!({"f": "Foo@Bar.IO"}),
            ok(json!("Foo@Bar.IO")),
        ),
        row("email unicode local part").create(
            email(&[], &[]),
            json!({"f": "ü@ok.io"}),
            ok(json!("ü@ok.io")),
        ),
        row("email without tld").create(
            email(&[], &[]),
            json!({"f": "a@b"}),
            err("validation_is_email"),
        ),
        row("email with spaces is not trimmed").create(
            email(&[], &[]),
            json!({"f": " a@b.io "}),
            err("validation_is_email"),
        ),
        row("email leading dot").create(
            email(&[], &[]),
            json!({"f": ".a@ok.io"}),
            err("validation_is_email"),
        ),
        row("email double dot").create(
            email(&[], &[]),
            json!({"f": "a..b@ok.io"}),
            err("validation_is_email"),
        ),
        row("email domain starting with hyphen").create(
            email(&[], &[]),
            json!({"f": "a@-ok.io"}),
            err("validation_is_email"),
        ),
        row("email SQL-looking").create(
            email(&[], &[]),
            json!({"f": "a'--@x.io; DROP"}),
            err("validation_is_email"),
        ),
        row("email only domains").create(
            email(&["ok.io"], &[]),
            json!({"f": "a@b.io"}),
            err("validation_email_domain_not_allowed"),
        ),
        row("email only domains is case-sensitive").create(
            email(&["ok.io"], &[]),
            json!({"f": "a@OK.IO"}),
            err("validation_email_domain_not_allowed"),
        ),
        row("email only domains allowed").create(
            email(&["ok.io"], &[]),
            json!({"f": "a@ok.io"}),
            ok(json!("a@ok.io")),
        ),
        row("email except domains").create(
            email(&[], &["bad.io"]),
            json!({"f": "a@bad.io"}),
            err("validation_email_domain_not_allowed"),
        ),
        row("email required").required(email(&[], &[]), json!({}), err("validation_required")),
        row("url with scheme").create(
            url(&[], &[]),
            json!({"f": "https://example.com/a?b#c"}),
            ok(json!("https://example.com/a?b#c")),
        ),
        row("url without scheme").create(
            url(&[], &[]),
            json!({"f": "example.com"}),
            ok(json!("example.com")),
        ),
        row("url localhost with port").create(
            url(&[], &[]),
            json!({"f": "http://localhost:8080/a?b"}),
            ok(json!("http://localhost:8080/a?b")),
        ),
        row("url ipv4").create(
            url(&[], &[]),
            json!({"f": "http://1.2.3.4"}),
            ok(json!("http://1.2.3.4")),
        ),
        row("url unicode host").create(
            url(&[], &[]),
            json!({"f": "https://例子.测试"}),
            ok(json!("https://例子.测试")),
        ),
        row("url javascript scheme").create(
            url(&[], &[]),
            json!({"f": "javascript:alert(1)"}),
            err("validation_invalid_url"),
        ),
        row("url with space").create(
            url(&[], &[]),
            json!({"f": "https://ex ample.com"}),
            err("validation_invalid_url"),
        ),
        row("url single word").create(
            url(&[], &[]),
            json!({"f": "x"}),
            err("validation_invalid_url"),
        ),
        row("url unknown scheme").create(
            url(&[], &[]),
            json!({"f": "gopher://a.io"}),
            err("validation_invalid_url"),
        ),
        row("url except domain").create(
            url(&[], &["bad.io"]),
            json!({"f": "https://bad.io/x"}),
            err("validation_url_domain_not_allowed"),
        ),
        row("url except domain compares host with port").create(
            url(&[], &["bad.io"]),
            json!({"f": "http://bad.io:80/"}),
            ok(json!("http://bad.io:80/")),
        ),
        row("url only domain").create(
            url(&["ok.io"], &[]),
            json!({"f": "https://other.io"}),
            err("validation_url_domain_not_allowed"),
        ),
    ]);
}

#[test]
fn date_fields() {
    let range = || date("2020-01-01 00:00:00.000Z", "2030-01-01 00:00:00.000Z");
    run(vec![
        row("date in PocketBase format").create(
            date("", ""),
            json!({"f": "2024-01-01 10:00:00.123Z"}),
            ok(json!("2024-01-01 10:00:00.123Z")),
        ),
        row("date RFC 3339 with fraction and offset").create(
            date("", ""),
            json!({"f": "2024-01-01T10:00:00.1234+01:00"}),
            ok(json!("2024-01-01 09:00:00.123Z")),
        ),
        row("date only").create(
            date("", ""),
            json!({"f": "2024-01-01"}),
            ok(json!("2024-01-01 00:00:00.000Z")),
        ),
        row("date RFC 3339 with offset becomes UTC").create(
            date("", ""),
            json!({"f": "2024-01-01T10:00:00+02:00"}),
            ok(json!("2024-01-01 08:00:00.000Z")),
        ),
        row("date microseconds are truncated").create(
            date("", ""),
            json!({"f": "2024-01-01T10:00:00.123456Z"}),
            ok(json!("2024-01-01 10:00:00.123Z")),
        ),
        row("date without zone is UTC").create(
            date("", ""),
            json!({"f": "2024-01-01T10:00:00"}),
            ok(json!("2024-01-01 10:00:00.000Z")),
        ),
        row("date without seconds is empty").create(
            date("", ""),
            json!({"f": "2024-01-01 10:00"}),
            ok(json!("")),
        ),
        row("date garbage is empty").create(date("", ""), json!({"f": "x"}), ok(json!(""))),
        row("date number is empty").create(date("", ""), json!({"f": 1700000000}), ok(json!(""))),
        row("date with spaces is empty").create(
            date("", ""),
            json!({"f": " 2024-01-01"}),
            ok(json!("")),
        ),
        row("date five-digit year is empty").create(
            date("", ""),
            json!({"f": "20240-01-01"}),
            ok(json!("")),
        ),
        row("date before min").create(
            range(),
            json!({"f": "2019-01-01"}),
            err("validation_min_greater_equal_than_required"),
        ),
        row("date after max").create(
            range(),
            json!({"f": "2031-01-01"}),
            err("validation_max_less_equal_than_required"),
        ),
        row("date empty skips range").create(range(), json!({"f": ""}), ok(json!(""))),
        row("date required garbage").required(
            date("", ""),
            json!({"f": "garbage"}),
            err("validation_required"),
        ),
        row("date cleared on update").update(
            date("", ""),
            json!("2024-01-01 00:00:00.000Z"),
            json!({"f": ""}),
            ok(json!("")),
        ),
    ]);
}

#[test]
fn select_fields() {
    let single = || select(1, &["a", "b", "c"]);
    let multi = || select(3, &["a", "b", "c", "d"]);
    run(vec![
        row("single select from a string").create(single(), json!({"f": "a"}), ok(json!("a"))),
        row("single select from an array keeps the last").create(
            single(),
            json!({"f": ["a", "b"]}),
            ok(json!("b")),
        ),
        row("single select unknown value").create(
            single(),
            json!({"f": "zz"}),
            err("validation_invalid_value"),
        ),
        row("single select from a number").create(
            single(),
            json!({"f": 5}),
            err("validation_invalid_value"),
        ),
        row("single select required").required(
            single(),
            json!({"f": ""}),
            err("validation_required"),
        ),
        row("single select append replaces").update(
            single(),
            json!("a"),
            json!({"f+": "b"}),
            ok(json!("b")),
        ),
        row("single select prepend keeps the current").update(
            single(),
            json!("a"),
            json!({"+f": "b"}),
            ok(json!("a")),
        ),
        row("single select subtract clears").update(
            single(),
            json!("a"),
            json!({"f-": "a"}),
            ok(json!("")),
        ),
        row("multi select from a string").create(multi(), json!({"f": "b"}), ok(json!(["b"]))),
        row("multi select dedupes and drops empties").create(
            multi(),
            json!({"f": ["a", "a", "b", ""]}),
            ok(json!(["a", "b"])),
        ),
        row("multi select from a JSON string").create(
            multi(),
            json!({"f": "[\"a\",\"c\"]"}),
            ok(json!(["a", "c"])),
        ),
        row("multi select comma string is one value").create(
            multi(),
            json!({"f": "a,b"}),
            err("validation_invalid_value"),
        ),
        row("multi select casts numbers").create(
            multi(),
            json!({"f": [1, "b"]}),
            err("validation_invalid_value"),
        ),
        row("multi select too many").create(
            multi(),
            json!({"f": ["a", "b", "c", "d"]}),
            err("validation_too_many_values"),
        ),
        row("multi select null is empty").create(multi(), json!({"f": null}), ok(json!([]))),
        row("multi select required empty").required(
            multi(),
            json!({"f": []}),
            err("validation_required"),
        ),
        row("multi select append").update(
            multi(),
            json!(["a"]),
            json!({"f+": ["b", "a"]}),
            ok(json!(["a", "b"])),
        ),
        row("multi select prepend").update(
            multi(),
            json!(["a"]),
            json!({"+f": "c"}),
            ok(json!(["c", "a"])),
        ),
        row("multi select subtract").update(
            multi(),
            json!(["a", "b"]),
            json!({"f-": ["a", "zz"]}),
            ok(json!(["b"])),
        ),
        row("multi select set, prepend, append and subtract together").update(
            multi(),
            json!(["a"]),
            json!({"f": ["b"], "+f": "c", "f+": "d", "f-": "b"}),
            ok(json!(["c", "d"])),
        ),
        row("multi select stored as JSON text").update(
            multi(),
            json!("[\"a\",\"b\"]"),
            json!({"f-": "a"}),
            ok(json!(["b"])),
        ),
        row("multi select append beyond max").update(
            multi(),
            json!(["a", "b", "c"]),
            json!({"f+": "d"}),
            err("validation_too_many_values"),
        ),
    ]);
}

#[test]
fn relation_fields() {
    let single = || relation(0, 1);
    let multi = || relation(2, 3);
    run(vec![
        row("single relation").create(single(), json!({"f": "abc123"}), ok(json!("abc123"))),
        row("single relation from an array keeps the last").create(
            single(),
            json!({"f": ["r1", "r2"]}),
            ok(json!("r2")),
        ),
        row("relation id with quotes cannot exist").create(
            single(),
            json!({"f": "a' OR 1=1"}),
            err("validation_missing_rel_records"),
        ),
        row("relation required").required(single(), json!({}), err("validation_required")),
        row("multi relation under minSelect").create(
            multi(),
            json!({"f": ["r1"]}),
            err("validation_not_enough_values"),
        ),
        row("multi relation over maxSelect").create(
            multi(),
            json!({"f": ["r1", "r2", "r3", "r4"]}),
            err("validation_too_many_values"),
        ),
        row("multi relation empty skips minSelect").create(
            multi(),
            json!({"f": []}),
            ok(json!([])),
        ),
        row("multi relation dedupes").create(
            multi(),
            json!({"f": ["r1", "r2", "r1"]}),
            ok(json!(["r1", "r2"])),
        ),
        row("multi relation append").update(
            multi(),
            json!(["r1", "r2"]),
            json!({"f+": "r3"}),
            ok(json!(["r1", "r2", "r3"])),
        ),
        row("multi relation prepend").update(
            multi(),
            json!(["r1", "r2"]),
            json!({"+f": ["r3"]}),
            ok(json!(["r3", "r1", "r2"])),
        ),
        row("multi relation subtract below min").update(
            multi(),
            json!(["r1", "r2"]),
            json!({"f-": "r1"}),
            err("validation_not_enough_values"),
        ),
    ]);
}

#[test]
fn file_fields() {
    run(vec![
        row("file names cannot be invented by clients").create(
            file(1),
            json!({"f": "evil.txt"}),
            err("validation_invalid_file"),
        ),
        row("file stored name kept").update(
            file(1),
            json!("a.png"),
            json!({"f": "a.png"}),
            ok(json!("a.png")),
        ),
        row("file removed by setting empty").update(
            file(1),
            json!("a.png"),
            json!({"f": ""}),
            ok(json!("")),
        ),
        row("file subtract").update(
            file(3),
            json!(["a.png", "b.png"]),
            json!({"f-": "a.png"}),
            ok(json!(["b.png"])),
        ),
        row("file required").required(file(1), json!({}), err("validation_required")),
        row("file reorder").update(
            file(3),
            json!(["a.png", "b.png"]),
            json!({"f": ["b.png", "a.png"]}),
            ok(json!(["b.png", "a.png"])),
        ),
        row("file path traversal is not a stored name").update(
            file(3),
            json!(["a.png"]),
            json!({"f+": "../../etc/passwd"}),
            err("validation_invalid_file"),
        ),
    ]);
}

#[test]
fn file_uploads_merge_with_their_keys() {
    let collection = base_with(Field::new("f", file(2)));
    let stored = object(json!({"id": STORED_ID, "f": ["a.png"]}));
    let mut options = PrepareOptions::new(NOW);
    options.uploaded_files = vec![("f+".into(), vec!["new_abcdefghij.png".into()])];
    let prepared = prepare(&collection, Some(&stored), &Map::new(), &options).expect("valid");
    assert_eq!(prepared.values["f"], json!(["a.png", "new_abcdefghij.png"]));
    assert_eq!(prepared.changed, vec!["f".to_string()]);

    options.uploaded_files = vec![("f".into(), vec!["n1.png".into(), "n2.png".into()])];
    let input = object(json!({"f": ["a.png"]}));
    let errors = prepare(&collection, Some(&stored), &input, &options).expect_err("too many");
    assert_eq!(
        error_code(&errors, "f").as_deref(),
        Some("validation_too_many_files")
    );

    let input = object(json!({"f": ""}));
    options.uploaded_files = vec![("f".into(), vec!["n1.png".into()])];
    let prepared = prepare(&collection, Some(&stored), &input, &options).expect("valid");
    assert_eq!(prepared.values["f"], json!(["n1.png"]));
    assert_eq!(prepared.removed_files, vec!["a.png".to_string()]);
}

#[test]
fn json_fields() {
    let plain = || FieldKind::Json { max_size: 0 };
    let mut deep = String::new();
    for _ in 0..200 {
        deep.push('[');
    }
    for _ in 0..200 {
        deep.push(']');
    }
    let big = "x".repeat(1 << 20);
    run(vec![
        row("json object").create(
            plain(),
            json!({"f": {"a": [1, {"b": null}]}}),
            ok(json!({"a": [1, {"b": null}]})),
        ),
        row("json object string is parsed").create(
            plain(),
            json!({"f": "{\"b\":2, \"a\":1}"}),
            ok(json!({"b": 2, "a": 1})),
        ),
        row("json array string is parsed").create(
            plain(),
            json!({"f": "[1,2]"}),
            ok(json!([1, 2])),
        ),
        row("json numeric string is parsed").create(plain(), json!({"f": "1.5"}), ok(json!(1.5))),
        row("json quoted string is unquoted").create(
            plain(),
            json!({"f": "\"x\""}),
            ok(json!("x")),
        ),
        row("json 'true' is parsed").create(plain(), json!({"f": "true"}), ok(json!(true))),
        row("json 'null' is null").create(plain(), json!({"f": "null"}), ok(json!(null))),
        row("json plain string stays").create(plain(), json!({"f": "abc"}), ok(json!("abc"))),
        row("json leading zero stays a string").create(
            plain(),
            json!({"f": "01"}),
            ok(json!("01")),
        ),
        row("json leading space stays a string").create(
            plain(),
            json!({"f": " 5"}),
            ok(json!(" 5")),
        ),
        row("json broken stays a string").create(plain(), json!({"f": "[1,"}), ok(json!("[1,"))),
        row("json empty string").create(plain(), json!({"f": ""}), ok(json!(""))),
        row("json missing is null").create(plain(), json!({}), ok(json!(null))),
        row("json too deep to parse stays a string").create(
            plain(),
            json!({"f": deep}),
            ok(json!(deep)),
        ),
        row("json over maxSize").create(
            FieldKind::Json { max_size: 10 },
            json!({"f": {"abc": "defgh"}}),
            err("validation_json_size_limit"),
        ),
        row("json default limit is 1 MB").create(
            plain(),
            json!({"f": big}),
            err("validation_json_size_limit"),
        ),
        row("json required empty object").required(
            plain(),
            json!({"f": {}}),
            err("validation_required"),
        ),
        row("json required empty array string").required(
            plain(),
            json!({"f": "[]"}),
            err("validation_required"),
        ),
        row("json required zero is fine").required(plain(), json!({"f": 0}), ok(json!(0))),
        row("json update keeps stored").update(
            plain(),
            json!({"k": "v"}),
            json!({}),
            ok(json!({"k": "v"})),
        ),
        row("json stored string is not reparsed").update(
            plain(),
            json!("123"),
            json!({}),
            ok(json!("123")),
        ),
    ]);
}

#[test]
fn geo_point_fields() {
    run(vec![
        row("geo object, lon first").create(
            FieldKind::GeoPoint,
            json!({"f": {"lat": 1, "lon": 2}}),
            ok(json!({"lon": 2, "lat": 1})),
        ),
        row("geo JSON string").create(
            FieldKind::GeoPoint,
            json!({"f": "{\"lat\":1.5,\"lon\":-2}"}),
            ok(json!({"lon": -2, "lat": 1.5})),
        ),
        row("geo keys match case-insensitively").create(
            FieldKind::GeoPoint,
            json!({"f": {"LAT": 3, "Lon": 4}}),
            ok(json!({"lon": 4, "lat": 3})),
        ),
        row("geo string coordinate is the zero point").create(
            FieldKind::GeoPoint,
            json!({"f": {"lat": "1"}}),
            ok(json!({"lon": 0, "lat": 0})),
        ),
        row("geo array is the zero point").create(
            FieldKind::GeoPoint,
            json!({"f": [1, 2]}),
            ok(json!({"lon": 0, "lat": 0})),
        ),
        row("geo garbage string is the zero point").create(
            FieldKind::GeoPoint,
            json!({"f": "garbage"}),
            ok(json!({"lon": 0, "lat": 0})),
        ),
        row("geo latitude out of range").create(
            FieldKind::GeoPoint,
            json!({"f": {"lat": 200}}),
            err("validation_invalid_latitude"),
        ),
        row("geo longitude out of range").create(
            FieldKind::GeoPoint,
            json!({"f": {"lat": 10, "lon": -181}}),
            err("validation_invalid_longitude"),
        ),
        row("geo required zero").required(
            FieldKind::GeoPoint,
            json!({"f": {"lat": 0, "lon": 0}}),
            err("validation_required"),
        ),
        row("geo stored kept").update(
            FieldKind::GeoPoint,
            json!({"lat": 5, "lon": 6}),
            json!({}),
            ok(json!({"lon": 6, "lat": 5})),
        ),
    ]);
}

fn with_autodates(mut collection: Collection) -> Collection {
    for (name, on_update) in [("created", false), ("updated", true)] {
        collection.fields.push(Field::new(
            name,
            FieldKind::Autodate {
                on_create: true,
                on_update,
            },
        ));
    }
    collection
}

fn posts() -> Collection {
    let mut collection = base_with(Field::new("title", text(0, 0, "")));
    collection
        .fields
        .push(Field::new("secret", text(0, 0, "")).hidden());
    with_autodates(collection)
}

#[test]
fn create_generates_an_id_and_autodates() {
    let prepared = prepare(
        &posts(),
        None,
        &object(json!({"title": "hi", "created": "2000-01-01", "updated": "x", "nope": 1})),
        &PrepareOptions::new(NOW),
    )
    .expect("valid");
    let id = prepared.values["id"].as_str().expect("id").to_string();
    assert_eq!(id.len(), 15);
    assert!(
        id.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    );
    assert_eq!(prepared.values["created"], json!(NOW));
    assert_eq!(prepared.values["updated"], json!(NOW));
    assert!(!prepared.values.contains_key("nope"));
    let keys: Vec<&String> = prepared.values.keys().collect();
    assert_eq!(keys, ["id", "title", "secret", "created", "updated"]);
    assert_eq!(prepared.changed, ["id", "title", "created", "updated"]);
    assert_eq!(prepared.new_password, None);
}

#[test]
fn update_touches_only_on_update_autodates_and_keeps_the_id() {
    let stored = object(json!({
        "id": STORED_ID, "title": "old", "secret": "s",
        "created": "2020-01-01 00:00:00.000Z", "updated": "2020-01-01 00:00:00.000Z",
    }));
    let prepared = prepare(
        &posts(),
        Some(&stored),
        &object(json!({"title": "new", "id": STORED_ID, "created": "1999-01-01"})),
        &PrepareOptions::new(NOW),
    )
    .expect("valid");
    assert_eq!(prepared.values["id"], json!(STORED_ID));
    assert_eq!(
        prepared.values["created"],
        json!("2020-01-01 00:00:00.000Z")
    );
    assert_eq!(prepared.values["updated"], json!(NOW));
    assert_eq!(prepared.values["secret"], json!("s"));
    assert_eq!(prepared.changed, ["title", "updated"]);
}

/// Name, stored id (update) or `None` (create), input, expected id or error code.
type IdCase = (
    &'static str,
    Option<&'static str>,
    Value,
    Result<&'static str, &'static str>,
);

#[test]
fn id_rules() {
    let cases: Vec<IdCase> = vec![
        (
            "custom id on create",
            None,
            json!({"id": "abcdefghij12345"}),
            Ok("abcdefghij12345"),
        ),
        ("empty id is generated", None, json!({"id": ""}), Ok("")),
        (
            "short id",
            None,
            json!({"id": "abc"}),
            Err("validation_min_text_constraint"),
        ),
        (
            "long id",
            None,
            json!({"id": "abcdefghij123456"}),
            Err("validation_max_text_constraint"),
        ),
        (
            "uppercase id",
            None,
            json!({"id": "ABCDEFGHIJKLMNO"}),
            Err("validation_invalid_format"),
        ),
        (
            "SQL-looking id",
            None,
            json!({"id": "a';drop table--"}),
            Err("validation_invalid_format"),
        ),
        (
            "numeric id is cast to text",
            None,
            json!({"id": 123456789012345_i64}),
            Ok("123456789012345"),
        ),
        (
            "id change on update",
            Some(STORED_ID),
            json!({"id": "zzzzzzzzzzzzzzz"}),
            Err("validation_pk_change"),
        ),
        (
            "same id on update",
            Some(STORED_ID),
            json!({"id": STORED_ID}),
            Ok(STORED_ID),
        ),
    ];
    for (name, stored_id, input, expected) in cases {
        let stored = stored_id.map(|id| object(json!({"id": id})));
        let result = prepare(
            &posts(),
            stored.as_ref(),
            &object(input),
            &PrepareOptions::new(NOW),
        );
        match (expected, result) {
            (Ok(""), Ok(prepared)) => {
                assert_eq!(
                    prepared.values["id"].as_str().map(str::len),
                    Some(15),
                    "{name}"
                )
            }
            (Ok(id), Ok(prepared)) => assert_eq!(prepared.values["id"], json!(id), "{name}"),
            (Err(code), Err(errors)) => {
                assert_eq!(error_code(&errors, "id").as_deref(), Some(code), "{name}")
            }
            (expected, result) => panic!("{name}: expected {expected:?}, got {result:?}"),
        }
    }
}

#[test]
fn custom_id_patterns_refuse_file_system_hostile_ids() {
    let mut collection = posts();
    collection.fields[0].kind = FieldKind::Text {
        min: 1,
        max: 100,
        pattern: "^.+$".into(),
        autogenerate_pattern: "[a-z0-9]{15}".into(),
        primary_key: true,
    };
    for (id, code) in [
        ("../etc", "validation_forbidden_pk_character"),
        ("a b", "validation_forbidden_pk_character"),
        ("con", "validation_reserved_pk"),
        ("LPT1", "validation_reserved_pk"),
    ] {
        let errors = prepare(
            &collection,
            None,
            &object(json!({"id": id})),
            &PrepareOptions::new(NOW),
        )
        .expect_err(id);
        assert_eq!(error_code(&errors, "id").as_deref(), Some(code), "{id}");
    }
    let prepared = prepare(
        &collection,
        None,
        &object(json!({"id": "CONSOLE"})),
        &PrepareOptions::new(NOW),
    )
    .expect("not reserved");
    assert_eq!(prepared.values["id"], json!("CONSOLE"));
}

#[test]
fn autogenerate_modifier_appends_a_generated_value() {
    let mut collection = posts();
    collection.fields.push(Field::new(
        "slug",
        FieldKind::Text {
            min: 0,
            max: 0,
            pattern: String::new(),
            autogenerate_pattern: "[a-c]{5}".into(),
            primary_key: false,
        },
    ));
    let prepared = prepare(
        &collection,
        None,
        &object(json!({"slug:autogenerate": "post-", "title:autogenerate": "t"})),
        &PrepareOptions::new(NOW),
    )
    .expect("valid");
    let slug = prepared.values["slug"].as_str().expect("slug");
    assert!(slug.starts_with("post-") && slug.len() == 10, "{slug}");
    assert!(
        slug[5..].chars().all(|c| ('a'..='c').contains(&c)),
        "{slug}"
    );
    assert_eq!(prepared.values["title"], json!("t"));
}

#[test]
fn hidden_fields_are_settable_only_by_superusers() {
    let input = object(json!({"title": "t", "secret": "mine"}));
    let guest = prepare(&posts(), None, &input, &PrepareOptions::new(NOW)).expect("valid");
    assert_eq!(guest.values["secret"], json!(""));
    let superuser =
        prepare(&posts(), None, &input, &PrepareOptions::superuser(NOW)).expect("valid");
    assert_eq!(superuser.values["secret"], json!("mine"));
}

#[test]
fn every_field_error_is_reported_at_once() {
    let mut collection = posts();
    collection
        .fields
        .push(Field::new("n", number(None, Some(1.0), false)));
    collection.fields.push(Field::new("mail", email(&[], &[])));
    collection
        .fields
        .push(Field::new("tags", select(2, &["a"])));
    collection
        .fields
        .push(Field::new("geo", FieldKind::GeoPoint));
    collection.fields[1].required = true;
    let errors = prepare(
        &collection,
        None,
        &object(json!({"title": "", "n": 5, "mail": "bad", "tags": ["zz"], "geo": {"lat": 200}})),
        &PrepareOptions::new(NOW),
    )
    .expect_err("invalid");
    assert_eq!(
        errors.to_json(),
        json!({
            "geo": {"code": "validation_invalid_latitude", "message": "Latitude must be between -90 and 90 degrees."},
            "mail": {"code": "validation_is_email", "message": "Must be a valid email address."},
            "n": {"code": "validation_max_number_constraint", "message": "Must be less or equal than 1.", "params": {"max": 1}},
            "tags": {"code": "validation_invalid_value", "message": "Invalid value zz.", "params": {"value": "zz"}},
            "title": {"code": "validation_required", "message": "Cannot be blank."},
        })
    );
}

#[test]
fn messages_and_params_match_pocketbase() {
    let cases: Vec<(FieldKind, Value, Value)> = vec![
        (
            number(Some(-5.0), None, true),
            json!(-10),
            json!({"code": "validation_min_number_constraint", "message": "Must be greater or equal than -5.", "params": {"min": -5}}),
        ),
        (
            number(None, None, true),
            json!(2.5),
            json!({"code": "validation_only_int_constraint", "message": "Decimal numbers are not allowed."}),
        ),
        (
            text(15, 15, ""),
            json!("abc"),
            json!({"code": "validation_min_text_constraint", "message": "Must be at least 15 character(s).", "params": {"min": 15}}),
        ),
        (
            FieldKind::Editor {
                max_size: 20,
                convert_urls: false,
            },
            json!("x".repeat(21)),
            json!({"code": "validation_content_size_limit", "message": "The maximum allowed content size is 20 bytes.", "params": {"maxSize": 20}}),
        ),
        (
            date("2020-01-01 00:00:00.000Z", ""),
            json!("2019-01-01"),
            json!({"code": "validation_min_greater_equal_than_required", "message": "Must be no less than 2020-01-01 00:00:00 +0000 UTC.", "params": {"threshold": "2020-01-01T00:00:00Z"}}),
        ),
        (
            select(3, &["a", "b"]),
            json!(["a", "b", "c", "d"]),
            json!({"code": "validation_too_many_values", "message": "Select no more than 3.", "params": {"maxSelect": 3}}),
        ),
        (
            relation(2, 5),
            json!(["r1"]),
            json!({"code": "validation_not_enough_values", "message": "Select at least 2.", "params": {"minSelect": 2}}),
        ),
        (
            FieldKind::Json { max_size: 3 },
            json!([1, 2]),
            json!({"code": "validation_json_size_limit", "message": "The maximum allowed JSON size is 3 bytes.", "params": {"maxSize": 3}}),
        ),
        (
            file(1),
            json!("x.txt"),
            json!({"code": "validation_invalid_file", "message": "Invalid new files: [x.txt].", "params": {"invalidFiles": ["x.txt"]}}),
        ),
    ];
    for (kind, value, expected) in cases {
        let collection = base_with(Field::new("f", kind));
        let errors = prepare(
            &collection,
            None,
            &object(json!({"f": value})),
            &PrepareOptions::new(NOW),
        )
        .expect_err("invalid");
        assert_eq!(errors.to_json()["f"], expected);
    }
}

fn users() -> Collection {
    let mut collection = Collection::new("users", CollectionKind::Auth);
    collection.fields.push(Field::new("name", text(0, 0, "")));
    with_autodates(collection)
}

fn stored_user() -> Map<String, Value> {
    object(json!({
        "id": STORED_ID, "email": "a@b.io", "emailVisibility": false, "verified": false,
        "tokenKey": "k".repeat(50), "name": "",
        "created": "2020-01-01 00:00:00.000Z", "updated": "2020-01-01 00:00:00.000Z",
    }))
}

/// Runs an auth create (`stored` false) or update of `stored_user` and returns the
/// error codes by field, or the prepared record.
fn auth(stored: bool, input: Value, options: &PrepareOptions) -> Result<Prepared, Value> {
    let row = stored_user();
    prepare(&users(), stored.then_some(&row), &object(input), options).map_err(|errors| {
        let codes: Map<String, Value> = object(errors.to_json())
            .into_iter()
            .map(|(field, error)| (field, error["code"].clone()))
            .collect();
        Value::Object(codes)
    })
}

#[test]
fn auth_create() {
    let guest = PrepareOptions::new(NOW);
    let prepared = auth(
        false,
        json!({"email": "Foo@Bar.IO", "password": "12345678", "passwordConfirm": "12345678", "name": "x"}),
        &guest,
    )
    .expect("valid");
    assert_eq!(prepared.values["email"], json!("Foo@Bar.IO"));
    assert_eq!(prepared.new_password.as_deref(), Some("12345678"));
    assert!(!prepared.values.contains_key("password"));
    let token_key = prepared.values["tokenKey"].as_str().expect("token key");
    assert_eq!(token_key.len(), 50);
    assert!(token_key.chars().all(|c| c.is_ascii_alphanumeric()));
    assert!(prepared.changed.contains(&"password".to_string()));

    let cases: Vec<(&str, Value, Value)> = vec![
        (
            "mismatch, verified and bad email",
            json!({"email": "bad", "password": "12345678", "passwordConfirm": "1234", "verified": true}),
            json!({"email": "validation_is_email", "passwordConfirm": "validation_values_mismatch", "verified": "validation_values_mismatch"}),
        ),
        (
            "short password",
            json!({"email": "a@b.io", "password": "123", "passwordConfirm": "123"}),
            json!({"password": "validation_min_text_constraint"}),
        ),
        (
            "72-character password",
            json!({"email": "a@b.io", "password": "x".repeat(72), "passwordConfirm": "x".repeat(72)}),
            json!({"password": "validation_max_text_constraint"}),
        ),
        (
            "nothing",
            json!({}),
            json!({"email": "validation_required", "password": "validation_required", "passwordConfirm": "validation_required"}),
        ),
        (
            "tokenKey is hidden from guests",
            json!({"email": "a@b.io", "password": "12345678", "passwordConfirm": "12345678", "tokenKey": "abc"}),
            json!({}),
        ),
    ];
    for (name, input, expected) in cases {
        match auth(false, input, &guest) {
            Ok(_) => assert_eq!(json!({}), expected, "{name}"),
            Err(codes) => assert_eq!(codes, expected, "{name}"),
        }
    }

    let superuser = PrepareOptions::superuser(NOW);
    let prepared = auth(
        false,
        json!({"email": "a@b.io", "password": "12345678", "passwordConfirm": "12345678", "verified": true}),
        &superuser,
    )
    .expect("superusers may verify");
    assert_eq!(prepared.values["verified"], json!(true));
    let codes = auth(
        false,
        json!({"email": "a@b.io", "password": "12345678", "passwordConfirm": "12345678", "tokenKey": "abc"}),
        &superuser,
    )
    .expect_err("superusers set tokenKey through validation");
    assert_eq!(codes, json!({"tokenKey": "validation_min_text_constraint"}));
}

#[test]
fn auth_update() {
    let owner = PrepareOptions::new(NOW);
    let cases: Vec<(&str, Value, Value)> = vec![
        (
            "password without oldPassword",
            json!({"password": "abcdefgh", "passwordConfirm": "abcdefgh"}),
            json!({"oldPassword": "validation_required"}),
        ),
        (
            "empty password",
            json!({"password": ""}),
            json!({"password": "validation_required"}),
        ),
        (
            "id change",
            json!({"id": "zzzzzzzzzzzzzzz"}),
            json!({"id": "validation_pk_change"}),
        ),
        (
            "email change without manage access",
            json!({"email": "new@b.io"}),
            json!({"email": "validation_values_mismatch"}),
        ),
        (
            "oldPassword alone",
            json!({"oldPassword": "x", "verified": false}),
            json!({"password": "validation_required", "passwordConfirm": "validation_required"}),
        ),
        (
            "verify yourself",
            json!({"verified": "true"}),
            json!({"verified": "validation_values_mismatch"}),
        ),
        (
            "confirm only",
            json!({"passwordConfirm": "abcdefgh"}),
            json!({"password": "validation_required", "passwordConfirm": "validation_values_mismatch", "oldPassword": "validation_required"}),
        ),
    ];
    for (name, input, expected) in cases {
        match auth(true, input, &owner) {
            Ok(_) => panic!("{name}: expected errors {expected}"),
            Err(codes) => assert_eq!(codes, expected, "{name}"),
        }
    }

    let prepared = auth(
        true,
        json!({"password": "abcdefgh", "passwordConfirm": "abcdefgh", "oldPassword": "12345678", "emailVisibility": true}),
        &owner,
    )
    .expect("valid");
    assert_eq!(prepared.new_password.as_deref(), Some("abcdefgh"));
    assert_eq!(prepared.old_password.as_deref(), Some("12345678"));
    assert_ne!(prepared.values["tokenKey"], stored_user()["tokenKey"]);
    assert_eq!(
        prepared.changed,
        ["password", "tokenKey", "emailVisibility", "updated"]
    );

    let prepared = auth(true, json!({"name": "n"}), &owner).expect("valid");
    assert_eq!(prepared.values["tokenKey"], stored_user()["tokenKey"]);
    assert_eq!(prepared.new_password, None);

    let manager = PrepareOptions {
        has_manage_access: true,
        ..PrepareOptions::new(NOW)
    };
    let prepared = auth(
        true,
        json!({"email": "new@b.io", "verified": true, "password": "abcdefgh", "passwordConfirm": "abcdefgh"}),
        &manager,
    )
    .expect("managers change email, verified and password directly");
    assert_eq!(prepared.values["email"], json!("new@b.io"));
    assert_eq!(prepared.values["verified"], json!(true));
    assert_eq!(prepared.old_password, None);
    assert_ne!(prepared.values["tokenKey"], stored_user()["tokenKey"]);
}

#[test]
fn hostile_input() {
    let mut collection = posts();
    collection
        .fields
        .push(Field::new("n", number(None, None, false)));
    collection
        .fields
        .push(Field::new("tags", select(5, &["a"])));
    collection
        .fields
        .push(Field::new("data", FieldKind::Json { max_size: 0 }));
    let huge = "🦀".repeat(2_000_000);
    let cases: Vec<(&str, Value, &str, &str)> = vec![
        (
            "8 MB of emoji in text",
            json!({"title": huge}),
            "title",
            "validation_max_text_constraint",
        ),
        (
            "huge numeric-looking string",
            json!({"n": "9".repeat(5000)}),
            "n",
            "",
        ),
        ("object for a number", json!({"n": {"$gt": 1}}), "n", ""),
        (
            "NaN-like string in a select",
            json!({"tags": ["NaN", "a"]}),
            "tags",
            "validation_invalid_value",
        ),
        (
            "nested arrays in a select",
            json!({"tags": [["a"], {"a": 1}]}),
            "tags",
            "",
        ),
        (
            "SQL in a json string",
            json!({"data": "'); DROP TABLE x; --"}),
            "data",
            "",
        ),
        (
            "NUL bytes in text",
            json!({"title": "a\u{0}b"}),
            "title",
            "",
        ),
        (
            "right-to-left override in text",
            json!({"title": "\u{202e}gnp.exe"}),
            "title",
            "",
        ),
    ];
    for (name, input, field, code) in cases {
        let result = prepare(&collection, None, &object(input), &PrepareOptions::new(NOW));
        match (code, result) {
            ("", Ok(_)) => {}
            ("", Err(errors)) => panic!("{name}: unexpected {}", errors.to_json()),
            (code, Err(errors)) => {
                assert_eq!(error_code(&errors, field).as_deref(), Some(code), "{name}")
            }
            (code, Ok(prepared)) => panic!(
                "{name}: expected {code}, got {:?}",
                prepared.values.get(field)
            ),
        }
    }
    // A huge numeric string is out of range for Go and casts to 0, never to Inf.
    let prepared = prepare(
        &collection,
        None,
        &object(json!({"n": "9".repeat(400)})),
        &PrepareOptions::new(NOW),
    )
    .expect("valid");
    assert_eq!(prepared.values["n"], json!(0));
    let prepared = prepare(
        &collection,
        None,
        &object(json!({"tags": [["a"], {"a": 1}]})),
        &PrepareOptions::new(NOW),
    )
    .expect("valid");
    assert_eq!(prepared.values["tags"], json!([]));
}

#[test]
fn to_json_shapes_records_like_pocketbase() {
    let mut collection = users();
    collection
        .fields
        .push(Field::new("geo", FieldKind::GeoPoint));
    collection
        .fields
        .push(Field::new("tags", select(3, &["a"])));
    collection.fields.push(Field::new("one", relation(0, 1)));
    collection
        .fields
        .push(Field::new("n", number(None, None, false)));
    collection
        .fields
        .push(Field::new("meta", FieldKind::Json { max_size: 0 }));
    collection
        .fields
        .push(Field::new("note", text(0, 0, "")).hidden());
    let values = object(json!({
        "id": STORED_ID, "email": "a@b.io", "emailVisibility": false, "verified": 1,
        "tokenKey": "secret", "password": "hash", "geo": {"lat": 1, "lon": 2},
        "n": 3.0, "note": "hidden",
    }));
    let public = to_json(&collection, &values, &ExportOptions::default());
    let keys: Vec<&String> = public.keys().collect();
    assert_eq!(
        keys,
        [
            "collectionId",
            "collectionName",
            "created",
            "emailVisibility",
            "geo",
            "id",
            "meta",
            "n",
            "name",
            "one",
            "tags",
            "updated",
            "verified"
        ]
    );
    assert_eq!(
        serde_json::to_string(&public["geo"]).expect("json"),
        r#"{"lon":2,"lat":1}"#
    );
    assert_eq!(public["tags"], json!([]));
    assert_eq!(public["one"], json!(""));
    assert_eq!(public["meta"], json!(null));
    assert_eq!(public["n"], json!(3));
    assert_eq!(public["verified"], json!(true));
    assert_eq!(public["collectionName"], json!("users"));

    let full = to_json(
        &collection,
        &values,
        &ExportOptions {
            show_hidden: true,
            show_email: true,
        },
    );
    assert_eq!(full["email"], json!("a@b.io"));
    assert_eq!(full["note"], json!("hidden"));
    assert!(!full.contains_key("tokenKey") && !full.contains_key("password"));

    let mut visible = values.clone();
    visible.insert("emailVisibility".into(), json!(true));
    assert_eq!(
        to_json(&collection, &visible, &ExportOptions::default())["email"],
        json!("a@b.io")
    );
}

#[test]
fn prepared_values_round_trip_through_to_json() {
    let collection = posts();
    let prepared = prepare(
        &collection,
        None,
        &object(json!({"title": "hi"})),
        &PrepareOptions::new(NOW),
    )
    .expect("valid");
    let public = to_json(&collection, &prepared.values, &ExportOptions::default());
    assert_eq!(public["title"], json!("hi"));
    assert_eq!(public["created"], json!(NOW));
    assert!(!public.contains_key("secret"));
    let again = prepare(
        &collection,
        Some(&prepared.values),
        &Map::new(),
        &PrepareOptions::new(NOW),
    )
    .expect("valid");
    assert_eq!(again.changed, Vec::<String>::new());
}
