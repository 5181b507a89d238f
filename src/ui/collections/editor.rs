//! The schema editor: `GET /_/collections/new` and `GET /_/collections/{name}/schema`, and
//! its actions (`POST .../{op}`), each of which posts the whole form (`contentType: 'form'`)
//! and gets the form back re-rendered, or a confirmation dialog, or one rule's check.
//! Saving builds the collections API's JSON (`draft.rs`) and calls the same service
//! methods as `POST /api/collections` and `PATCH /api/collections/{id}`.

use std::collections::HashMap;
use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde_json::Value;

use super::draft::{Draft, DraftField, flatten_errors};
use super::{Confirm, Part};
use crate::core::collection::{Collection, CollectionKind};
use crate::service::{App, ServiceError};
use crate::ui::datastar::Events;
use crate::ui::form::Form;
use crate::ui::session::Admin;
use crate::ui::{ActionError, Chrome, PageError, escape, flash_error, fragment, page};

/// The editor's actions, as a route pattern (so other paths under a collection's URL,
/// such as its records, are not taken).
pub(crate) const OPS: &str =
    "{op:(save|add-field|move-field|remove-field|add-index|remove-index|retype|check-rule)}";

/// What the editor's template needs.
pub(crate) struct Editor {
    pub draft: Draft,
    /// Where the editor's actions go: `/_/collections/new` or `/_/collections/{name}/schema`.
    pub base: String,
    /// Relation targets: (id, name), sorted by name.
    pub collections: Vec<(String, String)>,
}

impl Editor {
    fn new(app: &App, draft: Draft) -> Editor {
        let base = match &draft.original {
            Some(collection) => format!("/_/collections/{}/schema", collection.name),
            None => "/_/collections/new".to_owned(),
        };
        let schema = app.schema();
        let mut collections: Vec<(String, String)> = schema
            .all()
            .iter()
            .filter(|collection| !collection.is_view() || draft.is_view())
            .map(|collection| (collection.id.clone(), collection.name.clone()))
            .collect();
        collections.sort_by_key(|(_, name)| (name.starts_with('_'), name.to_lowercase()));
        Editor {
            draft,
            base,
            collections,
        }
    }

    /// The stored name, for links to the collection's other pages.
    pub(crate) fn stored_name(&self) -> &str {
        self.draft
            .original
            .as_ref()
            .map(|collection| collection.name.as_str())
            .unwrap_or_default()
    }

    pub(crate) fn title(&self) -> String {
        match &self.draft.original {
            Some(collection) => format!("Edit {}", collection.name),
            None => "New collection".to_owned(),
        }
    }

    /// A Datastar action that posts the form to one of the editor's actions.
    pub(crate) fn post(&self, op: &str) -> String {
        format!("@post('{}/{op}', {{contentType: 'form'}})", self.base)
    }
}

#[derive(Template)]
#[template(path = "ui/collections/editor.html")]
struct EditorPage {
    chrome: Chrome,
    editor: Editor,
    saved: bool,
}

#[derive(Template)]
#[template(path = "ui/collections/editor_form.html")]
struct EditorForm<'a> {
    editor: &'a Editor,
}

/// `GET /_/collections/new?type=base|auth|view`
pub(crate) async fn new_page(
    app: web::Data<App>,
    admin: Admin,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    admin.ctx.auth.require_superuser()?;
    let kind = query
        .get("type")
        .and_then(|kind| CollectionKind::parse(kind))
        .unwrap_or(CollectionKind::Base);
    let editor = Editor::new(&app, Draft::new_collection(kind));
    page(&EditorPage {
        chrome: Chrome::new(&app, &admin, "collections"),
        editor,
        saved: false,
    })
}

/// `GET /_/collections/{name}/schema`
pub(crate) async fn page_for(
    app: web::Data<App>,
    admin: Admin,
    path: web::Path<String>,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    let superuser = admin.ctx.auth.require_superuser()?;
    let collection = app
        .view_collection(&superuser, &path)
        .map_err(|_| PageError::NotFound)?;
    let editor = Editor::new(&app, Draft::from_collection(&collection));
    page(&EditorPage {
        chrome: Chrome::new(&app, &admin, &collection.name),
        editor,
        saved: query.contains_key("saved"),
    })
}

/// `POST /_/collections/new/{op}`
pub(crate) async fn new_action(
    req: HttpRequest,
    app: web::Data<App>,
    admin: Admin,
    path: web::Path<String>,
    query: web::Query<HashMap<String, String>>,
    payload: web::Payload,
) -> Result<Events, ActionError> {
    let form = Form::read(&req, payload, super::EDITOR_LIMITS).await?;
    act(&app, &admin, None, &path, &query, &form).await
}

/// `POST /_/collections/{name}/schema/{op}`
pub(crate) async fn action(
    req: HttpRequest,
    app: web::Data<App>,
    admin: Admin,
    path: web::Path<(String, String)>,
    query: web::Query<HashMap<String, String>>,
    payload: web::Payload,
) -> Result<Events, ActionError> {
    let (name, op) = path.into_inner();
    let collection = {
        let superuser = admin.ctx.auth.require_superuser()?;
        app.view_collection(&superuser, &name)?
    };
    let form = Form::read(&req, payload, super::EDITOR_LIMITS).await?;
    act(&app, &admin, Some(collection), &op, &query, &form).await
}

async fn act(
    app: &App,
    admin: &Admin,
    original: Option<Arc<Collection>>,
    op: &str,
    query: &HashMap<String, String>,
    form: &Form,
) -> Result<Events, ActionError> {
    let superuser = admin.ctx.auth.require_superuser()?;
    let mut draft = Draft::from_form(form, original.clone());
    let index = query
        .get("index")
        .and_then(|index| index.parse::<usize>().ok());
    let mut focus: Option<String> = None;
    match op {
        "add-field" => {
            if draft.is_view() {
                return Err(ActionError::Invalid(
                    "View collections get their fields from the query.".into(),
                ));
            }
            let type_name = form.string("newFieldType");
            let allowed = draft
                .addable_types()
                .iter()
                .any(|(name, _)| *name == type_name);
            let field = allowed
                .then(|| DraftField::new(&type_name, &draft.next_field_name(), draft.next_key()))
                .flatten()
                .ok_or_else(|| ActionError::Invalid("Pick a field type to add.".into()))?;
            focus = Some(format!("field-{}-name", field.key));
            draft.fields.push(field);
        }
        "move-field" => {
            let by = query.get("by").map(String::as_str);
            let Some(from) = index.filter(|at| *at < draft.fields.len()) else {
                return Err(ActionError::Invalid(
                    "That field is no longer there.".into(),
                ));
            };
            let to = match by {
                Some("up") if from > 0 => from - 1,
                Some("down") if from + 1 < draft.fields.len() => from + 1,
                _ => from,
            };
            draft.fields.swap(from, to);
            let key = &draft.fields[to].key;
            let direction = if by == Some("up") { "up" } else { "down" };
            focus = Some(format!("field-{key}-{direction}"));
        }
        "remove-field" => {
            let Some(at) = index.filter(|at| *at < draft.fields.len()) else {
                return Err(ActionError::Invalid(
                    "That field is no longer there.".into(),
                ));
            };
            let field = &draft.fields[at];
            if field.system {
                return Err(ActionError::Invalid(
                    "System fields cannot be removed.".into(),
                ));
            }
            if field.stored && !query.contains_key("confirmed") {
                let collection = original
                    .as_ref()
                    .ok_or_else(|| ActionError::Invalid("Nothing to remove.".into()))?;
                let count = app.count_records(&superuser, &collection.id).await?;
                if count > 0 {
                    let name = if field.stored_name.is_empty() {
                        field.name.clone()
                    } else {
                        field.stored_name.clone()
                    };
                    let dialog = Confirm {
                        title: "Remove field?".into(),
                        message: vec![
                            Part::text("Removing field "),
                            Part::code(&name),
                            Part::text(&format!(
                                " deletes its values in {count} {} of ",
                                plural(count, "record", "records")
                            )),
                            Part::code(&collection.name),
                            Part::text(" when you save. This cannot be undone."),
                        ],
                        confirm_label: "Remove field".into(),
                        action: format!(
                            "@post('/_/collections/{}/schema/remove-field?index={at}&confirmed=1', {{contentType: 'form'}})",
                            collection.name
                        ),
                    };
                    return super::open_dialog(Events::new(), &dialog);
                }
            }
            draft.fields.remove(at);
            focus = Some("add-field".into());
        }
        "add-index" => {
            if draft.is_view() {
                return Err(ActionError::Invalid(
                    "View collections don't support indexes.".into(),
                ));
            }
            let sql = draft.index_template();
            draft
                .indexes
                .push(super::draft::DraftIndex { sql, error: None });
            focus = Some(format!("index-{}", draft.indexes.len() - 1));
        }
        "remove-index" => {
            let Some(at) = index.filter(|at| *at < draft.indexes.len()) else {
                return Err(ActionError::Invalid(
                    "That index is no longer there.".into(),
                ));
            };
            draft.indexes.remove(at);
            focus = Some("add-index".into());
        }
        "retype" => {
            if original.is_some() {
                return Err(ActionError::Invalid(
                    "The type of a collection cannot be changed.".into(),
                ));
            }
            let kind = CollectionKind::parse(&form.string("type")).unwrap_or(CollectionKind::Base);
            // The form already says the new type; read it as the type it had, then switch.
            let previous_kind =
                CollectionKind::parse(&form.string("previousType")).unwrap_or(CollectionKind::Base);
            let mut previous = Draft::from_form_as(form, None, previous_kind);
            previous.retype(kind);
            draft = previous;
        }
        "check-rule" => {
            let key = query.get("rule").map(String::as_str).unwrap_or_default();
            let Some(rule) = draft.rules.iter().find(|rule| rule.key == key) else {
                return Err(ActionError::Invalid("Unknown rule.".into()));
            };
            let status = if rule.superusers {
                RuleStatus::info("Superusers only.")
            } else {
                let existing = original.as_ref().map(|collection| collection.id.as_str());
                match app
                    .check_collection_rules(&superuser, existing, &draft.to_lenient_json())
                    .await
                {
                    Ok(errors) => {
                        let message = flatten_errors(&errors.to_json())
                            .into_iter()
                            .find(|(path, _)| path == key)
                            .map(|(_, message)| message);
                        match message {
                            Some(message) => RuleStatus::error(&message),
                            None if rule.expression.trim().is_empty() => {
                                RuleStatus::ok("Anyone (no rule).")
                            }
                            None => RuleStatus::ok("Valid rule."),
                        }
                    }
                    Err(ServiceError::Validation { .. }) => {
                        RuleStatus::info("Fix the field errors to check this rule.")
                    }
                    Err(other) => return Err(other.into()),
                }
            };
            return Ok(Events::new().fragments(&status.render(key)));
        }
        "save" => return save(app, admin, draft).await,
        _ => return Err(ActionError::Invalid("Unknown action.".into())),
    }
    let editor = Editor::new(app, draft);
    let mut events = Events::new().fragments(&fragment(&EditorForm { editor: &editor })?);
    if let Some(id) = focus {
        let id = Value::String(id).to_string();
        events = events.script(&format!(
            "{{const el = document.getElementById({id}); (el && !el.disabled ? el : el?.closest('.field-card'))?.focus()}}"
        ));
    }
    Ok(events)
}

/// Creates or updates the collection; validation errors come back next to their inputs.
async fn save(app: &App, admin: &Admin, mut draft: Draft) -> Result<Events, ActionError> {
    let superuser = admin.ctx.auth.require_superuser()?;
    let (json, problems) = draft.to_json();
    let (message, errors) = if !problems.is_empty() {
        (
            "Failed to save the collection.".to_owned(),
            problems.into_iter().collect::<Vec<_>>(),
        )
    } else {
        let saved = match &draft.original {
            Some(original) => app.update_collection(&superuser, &original.id, json).await,
            None => app.create_collection(&superuser, json).await,
        };
        match saved {
            Ok(collection) => {
                return Ok(Events::new().redirect(&format!(
                    "/_/collections/{}/schema?saved=1",
                    collection.name
                )));
            }
            Err(ServiceError::Validation { message, errors }) => {
                (message, flatten_errors(&errors.to_json()))
            }
            Err(other) => return Err(other.into()),
        }
    };
    draft.attach_errors(&errors);
    let summary = errors
        .iter()
        .map(|(path, text)| format!("{path}: {text}"))
        .collect::<Vec<_>>()
        .join("; ");
    let editor = Editor::new(app, draft);
    let events = Events::new().fragments(&fragment(&EditorForm { editor: &editor })?);
    Ok(flash_error(events, &format!("{message} {summary}")))
}

/// The answer of a live rule check: a ✓, a note, or the compiler's error.
struct RuleStatus {
    class: &'static str,
    text: String,
}

impl RuleStatus {
    fn ok(text: &str) -> RuleStatus {
        RuleStatus {
            class: "ok",
            text: format!("✓ {text}"),
        }
    }

    fn error(text: &str) -> RuleStatus {
        RuleStatus {
            class: "error",
            text: text.to_owned(),
        }
    }

    fn info(text: &str) -> RuleStatus {
        RuleStatus {
            class: "muted",
            text: text.to_owned(),
        }
    }

    /// The status element of one rule (`key` is one of the fixed rule names).
    fn render(&self, key: &str) -> String {
        format!(
            "<p id=\"rule-{key}-status\" class=\"rule-status {}\" aria-live=\"polite\">{}</p>",
            self.class,
            escape(&self.text)
        )
    }
}

pub(crate) fn plural<'a>(count: i64, one: &'a str, many: &'a str) -> &'a str {
    if count == 1 { one } else { many }
}
