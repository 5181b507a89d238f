use serde_json::json;

use super::*;

#[test]
fn names_become_rust_identifiers() {
    for (input, expected) in [
        ("posts", "Posts"),
        ("post_stats", "PostStats"),
        ("in progress", "InProgress"),
        ("1st", "V1st"),
        ("", "Empty"),
        ("a-b", "AB"),
    ] {
        assert_eq!(pascal_case(input), expected, "{input}");
    }
    for (input, expected) in [
        ("publishedAt", "published_at"),
        ("emailVisibility", "email_visibility"),
        ("type", "r#type"),
        ("self", "self_"),
        ("2fa", "_2fa"),
        ("already_snake", "already_snake"),
    ] {
        assert_eq!(snake_case(input), expected, "{input}");
    }
}

#[test]
fn select_values_get_unique_variants_renamed_to_the_literal() {
    let field = json!({"name": "state", "type": "select", "values": ["a b", "a-b", "", "x\"y"]});
    assert_eq!(
        variants(&field),
        vec![
            ("AB".to_string(), "a b".to_string()),
            ("AB2".to_string(), "a-b".to_string()),
            ("Empty".to_string(), String::new()),
            ("XY".to_string(), "x\"y".to_string()),
        ]
    );
    let collection = json!({"id": "c", "name": "things", "type": "base", "fields": [field]});
    let types = &files(&[collection])[4].1;
    assert!(
        types.contains("    #[serde(rename = \"x\\\"y\")]\n    XY,\n"),
        "{types}"
    );
}

#[test]
fn output_is_deterministic_and_sorted_by_collection_name() {
    let a = json!({"id": "a", "name": "zebras", "type": "base", "fields": []});
    let b = json!({"id": "b", "name": "apes", "type": "base", "fields": []});
    let forward = files(&[a.clone(), b.clone()]);
    assert_eq!(forward, files(&[b, a]));
    let client = &forward[0].1;
    assert!(client.find("pub struct Apes;") < client.find("pub struct Zebras;"));
    let paths: Vec<&str> = forward.iter().map(|(path, _)| path.as_str()).collect();
    assert_eq!(
        paths,
        ["client.rs", "hooks.rs", "mod.rs", "routes.rs", "types.rs"]
    );
}

#[test]
fn required_fields_are_plain_on_create_and_optional_on_update() {
    let collection = json!({"id": "c", "name": "notes", "type": "base", "fields": [
        {"name": "title", "type": "text", "required": true},
        {"name": "due", "type": "date"},
        {"name": "kind", "type": "select", "required": true, "maxSelect": 1, "values": ["a"]}
    ]});
    let types = &files(&[collection])[4].1;
    let section = |name: &str| {
        let start = types.find(&format!("pub struct {name} {{")).expect(name);
        let end = types[start..].find("\n}\n").expect("end") + start;
        types[start..end].to_string()
    };
    let create = section("NotesCreate");
    assert!(create.contains("pub title: String,"), "{create}");
    assert!(create.contains("pub due: Option<DateTime>,"), "{create}");
    assert!(create.contains("pub kind: NotesKind,"), "{create}");
    let update = section("NotesUpdate");
    assert!(update.contains("pub title: Option<String>,"), "{update}");
    assert!(
        update.contains("pub due: Option<Option<DateTime>>,"),
        "{update}"
    );
    assert!(update.contains("pub kind: Option<NotesKind>,"), "{update}");
    let view = section("NotesView");
    assert!(view.contains("pub due: Option<DateTime>,"), "{view}");
    assert!(view.contains("pub kind: NotesKind,"), "{view}");
}

#[test]
fn generated_names_do_not_collide_with_the_runtime_or_each_other() {
    assert_eq!(type_name("posts"), "Posts");
    assert_eq!(type_name("records"), "RecordsCollection");
    assert_eq!(type_name("client"), "ClientCollection");
    let collection = json!({"id": "c", "name": "things", "type": "base", "fields": [
        {"name": "view", "type": "select", "maxSelect": 1, "values": ["a"]},
        {"name": "aVeryLongFieldNameThatGoesOnAndOnAndOnForeverAndEverAmen", "type": "date"}
    ]});
    let types = &files(&[collection])[4].1;
    assert!(types.contains("pub enum ThingsViewValue {"), "{types}");
    assert!(types.contains("pub struct ThingsView {"), "{types}");
    // rustfmt's layout of a member past 100 columns.
    assert!(
        types.contains(
            "    pub a_very_long_field_name_that_goes_on_and_on_and_on_forever_and_ever_amen:\n        Option<Option<DateTime>>,\n"
        ),
        "{types}"
    );
}
