use serde_json::json;

use super::*;

fn file<'a>(files: &'a [(String, String)], path: &str) -> &'a str {
    &files
        .iter()
        .find(|(name, _)| name == path)
        .unwrap_or_else(|| panic!("no {path}"))
        .1
}

fn notes() -> Value {
    json!({"id": "c", "name": "notes", "type": "base", "fields": [
        {"name": "id", "type": "text", "primaryKey": true, "required": true},
        {"name": "title", "type": "text", "required": true},
        {"name": "body", "type": "editor"},
        {"name": "count", "type": "number", "onlyInt": true},
        {"name": "done", "type": "bool"},
        {"name": "kind", "type": "select", "maxSelect": 1, "values": ["a", "<b>{{x}}"]},
        {"name": "labels", "type": "select", "maxSelect": 3, "values": ["x", "y"]},
        {"name": "due", "type": "date"},
        {"name": "site", "type": "url"},
        {"name": "mail", "type": "email"},
        {"name": "owner", "type": "relation", "collectionId": "c", "maxSelect": 1},
        {"name": "data", "type": "json"},
        {"name": "where", "type": "geoPoint"},
        {"name": "secret", "type": "text", "hidden": true},
        {"name": "created", "type": "autodate", "onCreate": true},
        {"name": "updated", "type": "autodate", "onCreate": true, "onUpdate": true}
    ]})
}

#[test]
fn every_collection_gets_a_module_and_four_templates_sorted_by_path() {
    let view = json!({"id": "v", "name": "stats", "type": "view", "fields": [
        {"name": "id", "type": "text", "primaryKey": true},
        {"name": "total", "type": "number"}
    ]});
    let files = files(&[view.clone(), notes()]);
    let paths: Vec<&str> = files.iter().map(|(path, _)| path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "src/generated_ui/mod.rs",
            "src/generated_ui/notes.rs",
            "src/generated_ui/stats.rs",
            "src/generated_ui/support.rs",
            "templates/generated_ui/confirm.html",
            "templates/generated_ui/index.html",
            "templates/generated_ui/layout.html",
            "templates/generated_ui/more.html",
            "templates/generated_ui/notes/cell.html",
            "templates/generated_ui/notes/page.html",
            "templates/generated_ui/notes/row.html",
            "templates/generated_ui/notes/rows.html",
            "templates/generated_ui/stats/cell.html",
            "templates/generated_ui/stats/page.html",
            "templates/generated_ui/stats/row.html",
            "templates/generated_ui/stats/rows.html",
        ]
    );
    assert_eq!(files, super::files(&[notes(), view]), "deterministic");
    let module = file(&files, "src/generated_ui/mod.rs");
    assert!(module.contains("pub mod notes;\npub mod stats;\npub mod support;\n"));
    assert!(module.contains("    notes::configure(config);\n    stats::configure(config);\n"));
}

#[test]
fn each_field_type_gets_its_editor_or_is_read_only() {
    let files = files(&[notes()]);
    let cell = file(&files, "templates/generated_ui/notes/cell.html");
    for editor in [
        "<input type=\"text\" id=\"notes-{{ id }}-title-input\"",
        "<textarea rows=\"4\" id=\"notes-{{ id }}-body-input\"",
        "<input type=\"number\" step=\"1\" id=\"notes-{{ id }}-count-input\"",
        "<input type=\"checkbox\" id=\"notes-{{ id }}-done-input\"",
        "<select id=\"notes-{{ id }}-kind-input\"",
        "<select multiple id=\"notes-{{ id }}-labels-input\"",
        "<input type=\"datetime-local\" step=\"0.001\" id=\"notes-{{ id }}-due-input\"",
        "<input type=\"url\" id=\"notes-{{ id }}-site-input\"",
        "<input type=\"email\" id=\"notes-{{ id }}-mail-input\"",
        "<input type=\"text\" placeholder=\"record id\" id=\"notes-{{ id }}-owner-input\"",
    ] {
        assert!(cell.contains(editor), "{editor}\n{cell}");
    }
    // Select values are escaped for HTML and never read as template syntax.
    assert!(
        cell.contains("<option value=\"\">(none)</option><option value=\"a\">a</option><option value=\"&lt;b&gt;&#123;&#123;x&#125;&#125;\">"),
        "{cell}"
    );
    for read_only in ["data", "where", "created", "updated", "id"] {
        assert!(
            !cell.contains(&format!("-{read_only}-input")),
            "{read_only} has no editor"
        );
        assert!(cell.contains(&format!("id=\"notes-{{{{ id }}}}-{read_only}\"")));
    }
    assert!(
        !cell.contains("secret"),
        "hidden fields are not in the View type"
    );

    let module = file(&files, "src/generated_ui/notes.rs");
    for line in [
        "            Column::Title => Some(draft::text(&self.title)),\n",
        "            Column::Done => Some(Value::Bool(self.done)),\n",
        "            Column::Kind => Some(draft::optional(&self.kind)),\n",
        "            Column::Labels => Some(draft::list(&self.labels)),\n",
        "            Column::Due => Some(draft::optional_date(&self.due)),\n",
        "                update.count = Some(parse::integer(draft)?);\n",
        "                update.kind = Some(parse::optional(draft)?);\n",
        "                update.labels = Some(parse::list(draft)?);\n",
        "                update.due = Some(parse::optional_date(draft)?);\n",
        "                update.owner = Some(parse::optional(draft)?);\n",
        "    const BY_CREATED: bool = true;\n",
        "        &[Column::Updated]\n",
    ] {
        assert!(module.contains(line), "{line}\n{module}");
    }
}

#[test]
fn view_collections_are_read_only_tables_sorted_by_id() {
    let view = json!({"id": "v", "name": "stats", "type": "view", "fields": [
        {"name": "id", "type": "text", "primaryKey": true},
        {"name": "total", "type": "number"}
    ]});
    let files = files(&[view]);
    let module = file(&files, "src/generated_ui/stats.rs");
    assert!(module.contains("    const WRITABLE: bool = false;\n"));
    assert!(module.contains("    const BY_CREATED: bool = false;\n"));
    assert!(module.contains("    type Update = ();\n"));
    assert!(!module.contains("support::save"), "{module}");
    assert!(!module.contains("support::delete"), "{module}");
    let page = file(&files, "templates/generated_ui/stats/page.html");
    assert!(!page.contains("data-select"), "{page}");
    assert!(!page.contains("Delete selected"), "{page}");
    let cell = file(&files, "templates/generated_ui/stats/cell.html");
    assert!(!cell.contains("data-on-click"), "{cell}");
}
