use serde_json::json;

use super::*;

#[test]
fn default_ids_match_pocketbase() {
    assert_eq!(default_field_id("text", "id"), "text3208210256");
    assert_eq!(default_field_id("email", "email"), "email3885137012");
    assert_eq!(
        default_field_id("autodate", "created"),
        "autodate2990389176"
    );
    assert_eq!(
        default_field_id("autodate", "updated"),
        "autodate3332085495"
    );
    assert_eq!(
        default_collection_id(CollectionKind::Base, "posts"),
        "pbc_1125843985"
    );
}

#[test]
fn users_collection_fields_match_pocketbase_shape() {
    let collections = bootstrap_collections("2026-01-01 00:00:00.000Z");
    let users = collections.iter().find(|c| c.name == "users").unwrap();
    let names: Vec<&str> = users.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "id",
            "password",
            "tokenKey",
            "email",
            "emailVisibility",
            "verified",
            "name",
            "avatar",
            "created",
            "updated"
        ]
    );
    let json = users.to_json();
    assert_eq!(json["fields"][1]["id"], "password901924565");
    assert_eq!(json["fields"][1]["hidden"], true);
    assert_eq!(json["fields"][2]["id"], "text2504183744");
    assert_eq!(json["type"], "auth");
    assert_eq!(json["passwordAuth"]["identityFields"], json!(["email"]));
    let keys: Vec<&String> = json.as_object().unwrap().keys().take(9).collect();
    assert_eq!(
        keys,
        [
            "id",
            "listRule",
            "viewRule",
            "createRule",
            "updateRule",
            "deleteRule",
            "name",
            "type",
            "fields"
        ]
    );
}

#[test]
fn create_json_gets_system_fields_and_options_defaults() {
    let input = json!({"name": "posts", "fields": [
        {"name": "title", "type": "text", "required": true, "max": 100},
        {"name": "tags", "type": "select", "values": ["a", "b"], "maxSelect": 2},
    ]});
    let collection = Collection::from_json(&input, None).unwrap();
    assert_eq!(collection.id, "pbc_1125843985");
    assert_eq!(collection.fields[0].name, "id");
    assert_eq!(collection.fields[1].id, "text724990059");
    assert!(collection.fields[2].kind.is_multiple());
    assert!(collection.validate(&Schema::default(), None).is_empty());
}

#[test]
fn wrong_option_types_are_reported_per_field() {
    let input = json!({"name": "posts", "fields": [{"name": "n", "type": "number", "onlyInt": "yes"}, {"name": "x", "type": "nope"}]});
    let errors = Collection::from_json(&input, None).unwrap_err().to_json();
    assert_eq!(
        errors["fields"]["0"]["onlyInt"]["code"],
        "validation_invalid_value"
    );
    assert_eq!(
        errors["fields"]["1"]["type"]["code"],
        "validation_invalid_value"
    );
}

#[test]
fn validate_rejects_bad_names_duplicates_and_unknown_relations() {
    let input = json!({"name": "bad name", "fields": [
        {"name": "a", "type": "text"}, {"name": "A", "type": "bool"},
        {"name": "r", "type": "relation", "collectionId": "missing"},
    ], "indexes": ["CREATE INDEX x ON t (nope)", "DROP TABLE x"]});
    let collection = Collection::from_json(&input, None).unwrap();
    let errors = collection.validate(&Schema::default(), None).to_json();
    assert_eq!(errors["name"]["code"], "validation_invalid_format");
    assert_eq!(
        errors["fields"]["2"]["name"]["code"],
        "validation_not_unique"
    );
    assert_eq!(
        errors["fields"]["3"]["collectionId"]["code"],
        "validation_missing_rel_collection"
    );
    assert_eq!(errors["indexes"]["0"]["code"], "validation_invalid_index");
    assert_eq!(errors["indexes"]["1"]["code"], "validation_invalid_index");
}

#[test]
fn update_keeps_field_identity_on_rename() {
    let stored = Collection::from_json(
        &json!({"name": "posts", "fields": [{"name": "title", "type": "text"}]}),
        None,
    )
    .unwrap();
    let field_id = stored.fields[1].id.clone();
    let patch = json!({"fields": [{"id": field_id, "name": "headline", "type": "text", "max": 5}]});
    let updated = Collection::from_json(&patch, Some(&stored)).unwrap();
    assert_eq!(updated.fields.len(), 2, "the id field is kept");
    assert_eq!(updated.fields[1].id, field_id);
    assert_eq!(updated.fields[1].name, "headline");
}

#[test]
fn index_sql_is_parsed_and_rebuilt_quoted() {
    let index = parse_index(
        "create unique index idx_a on posts (title COLLATE nocase DESC, `n`) where n > 0",
    )
    .unwrap();
    assert!(index.unique);
    assert_eq!(
        index.to_sql(),
        "CREATE UNIQUE INDEX `idx_a` ON `posts` (`title` COLLATE NOCASE DESC, `n`) WHERE n > 0"
    );
    assert!(parse_index("CREATE INDEX a ON b (c) WHERE 1; DROP TABLE x").is_err());
}

#[test]
fn bootstrap_auth_collections_have_token_secrets() {
    for collection in bootstrap_collections("2026-01-01 00:00:00.000Z") {
        let (secret, duration) = collection.token_options("authToken");
        assert!(
            secret.len() >= 30,
            "{} has no auth token secret",
            collection.name
        );
        assert!(duration > 0);
        let reloaded = Collection::from_json(&collection.to_storage_json(), None).unwrap();
        assert_eq!(
            reloaded.token_options("authToken").0,
            secret,
            "secret survives a reload"
        );
        assert!(
            collection.to_json()["authToken"].get("secret").is_none(),
            "secret is never shown"
        );
    }
}
