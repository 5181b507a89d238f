use std::sync::Arc;

use serde_json::json;

use super::draft::{Draft, flatten_errors};
use crate::core::collection::{Collection, CollectionKind};
use crate::ui::form::Form;

fn stored_posts() -> Arc<Collection> {
    let input = json!({
        "name": "posts",
        "type": "base",
        "listRule": "",
        "fields": [
            {"name": "title", "type": "text", "required": true, "max": 100},
            {"name": "views", "type": "number", "min": 0},
            {"name": "tags", "type": "select", "values": ["a", "b"], "maxSelect": 2},
        ],
    });
    Arc::new(Collection::from_json(&input, None).expect("valid"))
}

#[test]
fn a_stored_collection_round_trips_through_the_form() {
    let posts = stored_posts();
    let title_id = posts.field("title").expect("title").id.clone();
    let form = Form::from_pairs(&[
        ("name", "articles"),
        ("fields.0._key", "k1"),
        ("fields.0.id", "text3208210256"),
        ("fields.0.name", "id"),
        ("fields.1._key", "k2"),
        ("fields.1.id", &title_id),
        ("fields.1.type", "number"),
        ("fields.1.name", "headline"),
        ("fields.1.required", "on"),
        ("fields.1.max", "x"),
        ("fields.2._key", "new"),
        ("fields.2.type", "bool"),
        ("fields.2.name", "published"),
        ("indexes.0", "CREATE INDEX idx ON articles (headline)"),
        ("listRule", "headline != ''"),
        ("viewRule.null", "on"),
        ("viewRule", "ignored"),
    ]);
    let draft = Draft::from_form(&form, Some(posts.clone()));
    let (json, problems) = draft.to_json();
    assert!(problems.is_empty());
    assert_eq!(json["name"], "articles");
    assert!(json.get("type").is_none(), "the type is not sent on update");
    let fields = json["fields"].as_array().expect("fields");
    assert_eq!(fields.len(), 3);
    // The system id field is sent as stored.
    assert_eq!(fields[0]["primaryKey"], true);
    // The stored field keeps its id and type (the form cannot change it).
    assert_eq!(fields[1]["id"], title_id.as_str());
    assert_eq!(fields[1]["type"], "text");
    assert_eq!(fields[1]["name"], "headline");
    assert_eq!(fields[1]["required"], true);
    // A bad integer is sent as text, for the service to name.
    assert_eq!(fields[1]["max"], "x");
    assert!(fields[2].get("id").is_none());
    assert_eq!(fields[2]["type"], "bool");
    assert_eq!(json["listRule"], "headline != ''");
    assert!(json["viewRule"].is_null());
    assert_eq!(
        json["indexes"][0],
        "CREATE INDEX idx ON articles (headline)"
    );
    // The lenient form leaves the bad number out.
    assert!(draft.to_lenient_json()["fields"][1].get("max").is_none());
}

#[test]
fn a_new_collection_starts_with_its_system_fields() {
    let draft = Draft::new_collection(CollectionKind::Auth);
    let names: Vec<&str> = draft.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "id",
            "password",
            "tokenKey",
            "email",
            "emailVisibility",
            "verified",
            "created",
            "updated"
        ]
    );
    let mut draft = draft;
    draft.name = "members".into();
    let (json, problems) = draft.to_json();
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(json["type"], "auth");
    assert_eq!(json["passwordAuth"]["identityFields"], json!(["email"]));
    assert_eq!(
        json["fields"][1]["min"], 8,
        "the password field as the template has it"
    );
    let collection = Collection::from_json(&json, None).expect("parses");
    assert_eq!(collection.fields.len(), 8);
    draft.retype(CollectionKind::Base);
    let names: Vec<&str> = draft.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["id", "created", "updated"]);
    draft.retype(CollectionKind::View);
    assert!(draft.fields.is_empty() || draft.fields.iter().all(|f| f.system));
    assert_eq!(draft.rules.len(), 2);
}

#[test]
fn errors_land_next_to_their_inputs() {
    let mut draft = Draft::from_collection(&stored_posts());
    let errors = json!({
        "name": {"code": "validation_required", "message": "Cannot be blank."},
        "fields": {"1": {"name": {"code": "x", "message": "Bad name."}, "max": {"code": "x", "message": "Bad max."}, "id": {"code": "x", "message": "Bad id."}}},
        "indexes": {"0": {"code": "x", "message": "Bad index."}},
        "listRule": {"code": "x", "message": "Bad rule."},
        "type": {"code": "x", "message": "Bad type."},
    });
    draft.indexes.push(super::draft::DraftIndex {
        sql: "nope".into(),
        error: None,
    });
    draft.attach_errors(&flatten_errors(&errors));
    assert_eq!(draft.name_error.as_deref(), Some("Cannot be blank."));
    assert_eq!(draft.fields[1].name_error.as_deref(), Some("Bad name."));
    let max = draft.fields[1]
        .options
        .iter()
        .find(|o| o.key == "max")
        .expect("max");
    assert_eq!(max.error.as_deref(), Some("Bad max."));
    assert_eq!(draft.fields[1].errors, ["id: Bad id."]);
    assert_eq!(draft.indexes[0].error.as_deref(), Some("Bad index."));
    let list = draft
        .rules
        .iter()
        .find(|r| r.key == "listRule")
        .expect("rule");
    assert_eq!(list.error.as_deref(), Some("Bad rule."));
    assert_eq!(draft.errors, ["type: Bad type."]);
}

#[test]
fn form_indexes_are_read_in_order() {
    let form = Form::from_pairs(&[
        ("fields.10.name", "b"),
        ("fields.2.name", "a"),
        ("fields.2.type", "text"),
        ("fieldsX.1", "no"),
        ("fields.x.name", "no"),
    ]);
    assert_eq!(form.indexes("fields"), [2, 10]);
    assert!(Form::from_pairs(&[("a", "on")]).checked("a"));
    assert!(!Form::from_pairs(&[("a", "")]).checked("a"));
}
