use serde_json::{Value, json};

use super::document;

fn blog() -> Vec<Value> {
    vec![
        json!({"id": "pbc_users", "name": "members", "type": "auth", "listRule": null, "viewRule": "", "createRule": "", "updateRule": "id = @request.auth.id", "deleteRule": null, "authRule": "", "manageRule": null, "fields": [
            {"name": "id", "type": "text", "required": true, "primaryKey": true, "min": 15, "max": 15, "pattern": "^[a-z0-9]+$", "autogeneratePattern": "[a-z0-9]{15}"},
            {"name": "password", "type": "password", "required": true, "hidden": true, "min": 8},
            {"name": "tokenKey", "type": "text", "required": true, "hidden": true, "autogeneratePattern": "[a-zA-Z0-9]{50}"},
            {"name": "email", "type": "email", "required": true},
            {"name": "secret", "type": "text", "hidden": true}
        ]}),
        json!({"id": "pbc_posts", "name": "posts", "type": "base", "listRule": "", "viewRule": "", "createRule": null, "updateRule": null, "deleteRule": null, "fields": [
            {"name": "title", "type": "text", "required": true, "max": 100},
            {"name": "status", "type": "select", "values": ["draft", "published"], "maxSelect": 1},
            {"name": "tags", "type": "relation", "collectionId": "pbc_users", "maxSelect": 3},
            {"name": "published", "type": "date"},
            {"name": "views", "type": "number", "onlyInt": true, "min": 0},
            {"name": "created", "type": "autodate", "onCreate": true}
        ]}),
        json!({"id": "pbc_stats", "name": "stats", "type": "view", "listRule": "", "viewRule": "", "fields": [{"name": "id", "type": "text"}]}),
    ]
}

fn at<'v>(document: &'v Value, pointer: &str) -> &'v Value {
    document
        .pointer(pointer)
        .unwrap_or_else(|| panic!("no {pointer} in the document"))
}

#[test]
fn view_schemas_leave_out_hidden_fields_and_passwords() {
    let document = document(&blog());
    let view = at(&document, "/components/schemas/membersView/properties");
    assert!(view.get("email").is_some());
    for absent in ["password", "tokenKey", "secret", "passwordConfirm"] {
        assert!(view.get(absent).is_none(), "{absent} is in the view");
    }
    let create = at(&document, "/components/schemas/membersCreate");
    assert_eq!(
        at(create, "/required"),
        &json!(["password", "email", "passwordConfirm"])
    );
    assert_eq!(at(create, "/properties/password/writeOnly"), &json!(true));
    assert!(create.pointer("/properties/tokenKey").is_none());
    assert!(create.pointer("/properties/secret").is_some());
}

#[test]
fn field_types_map_to_json_schema() {
    let document = document(&blog());
    let create = at(&document, "/components/schemas/postsCreate/properties");
    assert_eq!(at(create, "/title/maxLength"), &json!(100));
    assert_eq!(at(create, "/title/minLength"), &json!(1));
    assert_eq!(
        at(create, "/status/enum"),
        &json!(["draft", "published", ""])
    );
    assert_eq!(at(create, "/tags/type"), &json!("array"));
    assert_eq!(at(create, "/tags/maxItems"), &json!(3));
    assert_eq!(at(create, "/views/type"), &json!("integer"));
    assert_eq!(at(create, "/views/minimum"), &json!(0));
    assert!(
        at(create, "/published/pattern")
            .as_str()
            .unwrap()
            .contains(r"\.\d{3}Z")
    );
    assert!(create.get("created").is_none());
    assert!(
        at(create, "/tags/description")
            .as_str()
            .unwrap()
            .contains("`members`")
    );
}

#[test]
fn views_are_read_only_and_rules_are_described() {
    let document = document(&blog());
    let paths = at(&document, "/paths");
    let stats = at(paths, "/~1api~1collections~1stats~1records");
    assert!(stats.get("get").is_some() && stats.get("post").is_none());
    assert!(
        at(
            paths,
            "/~1api~1collections~1posts~1records/post/description"
        )
        .as_str()
        .unwrap()
        .contains("superusers only")
    );
    assert!(
        at(paths, "/~1api~1collections~1posts~1records/get/description")
            .as_str()
            .unwrap()
            .contains("anyone")
    );
    assert!(
        paths
            .get("/api/collections/members/auth-with-password")
            .is_some()
    );
    assert!(
        paths
            .get("/api/collections/posts/auth-with-password")
            .is_none()
    );
}

#[test]
fn the_document_does_not_depend_on_input_order() {
    let mut reversed = blog();
    reversed.reverse();
    assert_eq!(
        crate::to_pretty_json(&document(&blog())),
        crate::to_pretty_json(&document(&reversed))
    );
}

#[test]
fn the_admin_ui_streams_are_described_per_collection_as_datastar_events() {
    let document = document(&blog());
    let paths = at(&document, "/paths");
    for name in ["members", "posts", "stats"] {
        for (action, id) in [("rows", "adminRows"), ("live", "adminLive")] {
            let operation = at(
                paths,
                &format!("/~1_~1collections~1{name}~1records~1{action}/get"),
            );
            assert_eq!(
                at(operation, "/operationId"),
                &json!(format!("{name}_{id}"))
            );
            assert_eq!(at(operation, "/security"), &json!([{"adminSession": []}]));
            let content = at(operation, "/responses/200/content/text~1event-stream");
            assert_eq!(at(content, "/schema/type"), &json!("object"));
            assert_eq!(
                at(content, "/schema/properties/event/enum/0"),
                &json!("datastar-merge-fragments")
            );
            assert_eq!(
                at(content, "/x-sse-events/datastar-merge-fragments"),
                &json!("#/components/schemas/DatastarMergeFragments")
            );
            assert_eq!(
                at(operation, "/responses/303/headers/Location/schema/const"),
                &json!("/_/login")
            );
        }
    }
    let scheme = at(&document, "/components/securitySchemes/adminSession");
    assert_eq!(at(scheme, "/in"), &json!("cookie"));
    assert_eq!(at(scheme, "/name"), &json!("lb_admin"));
    assert!(
        at(scheme, "/description")
            .as_str()
            .unwrap()
            .contains("X-CSRF-Token")
    );
    let schemas = at(&document, "/components/schemas");
    assert_eq!(
        at(schemas, "/DatastarMergeFragments/properties/mergeMode/enum"),
        &json!([
            "morph",
            "inner",
            "outer",
            "prepend",
            "append",
            "before",
            "after",
            "upsertAttributes"
        ])
    );
    assert_eq!(
        at(schemas, "/DatastarMergeSignals/required"),
        &json!(["signals"])
    );
    assert_eq!(
        at(schemas, "/DatastarRemoveFragments/required"),
        &json!(["selector"])
    );
    assert_eq!(
        at(schemas, "/DatastarExecuteScript/required"),
        &json!(["script"])
    );
}
