//! The admin UI's Datastar endpoints in the document: the SSE protocol of Datastar
//! `1.0.0-beta.11` (the client lifebase embeds) as one component per event payload, the
//! `adminSession` cookie scheme, and per collection the two record-browser streams whose
//! paths follow the schema (`/_/collections/{name}/records/live` and `.../rows`). The other
//! `/_/` actions (forms, cell editors, bulk delete) are not described: their answers are
//! HTML fragments for the admin pages, not data. What the server sends is defined in
//! `src/ui/datastar/mod.rs`, `src/ui/records/mod.rs` and `src/ui/records/live.rs`; keep
//! this file in step with them.

use serde_json::{Map, Value, json};

use super::{Collection, event_stream};

/// The tag of the admin UI's operations.
pub(super) const TAG: &str = "Admin UI (Datastar)";

/// The security scheme of the admin UI's session cookie.
pub(super) const SCHEME: &str = "adminSession";

/// The events the admin UI sends, with the components of their payloads.
const EVENTS: [(&str, &str); 4] = [
    ("datastar-merge-fragments", "DatastarMergeFragments"),
    ("datastar-merge-signals", "DatastarMergeSignals"),
    ("datastar-remove-fragments", "DatastarRemoveFragments"),
    ("datastar-execute-script", "DatastarExecuteScript"),
];

/// How an event is framed on the wire, for the descriptions of the payload components.
const FRAMING: &str = "Sent as one SSE event: `event: <name>`, then one `data: <key> <value>` line per line of each key's value (the client joins the lines of a key with newlines), then an empty line. The payload is not JSON; the properties here are its keys.";

/// The tag's entry in the document's `tags`.
pub(super) fn tag() -> Value {
    json!({
        "name": TAG,
        "description": "The admin UI at `/_/` (superusers only, signed in with a cookie): the record browser's Datastar endpoints that follow the schema, one pair per collection. They answer `200 text/event-stream` with events of the Datastar protocol (client `1.0.0-beta.11`), whose payloads are the `Datastar*` components; their failures are events too (an error message appended to `#flash`), not 4xx answers. The admin UI's other actions (forms, cell editors, bulk delete) and the pages that `lifebase codegen ui` generates for a project (mounted by that project, not by lifebase) are not described."
    })
}

/// The `adminSession` security scheme.
pub(super) fn security_scheme() -> Value {
    json!({
        "type": "apiKey",
        "in": "cookie",
        "name": "lb_admin",
        "description": "The admin UI's session: an HttpOnly, SameSite=Strict cookie scoped to `/_/` holding a superuser's auth token, set by signing in at `/_/login`. Requests with a method other than GET and HEAD also need the `X-CSRF-Token` header (the token the page embeds, bound to the session) and must not come from another origin, or they are refused with 403."
    })
}

/// The payload components of the Datastar events.
pub(super) fn add_schemas(schemas: &mut Map<String, Value>) {
    let string = |description: &str| json!({"type": "string", "description": description});
    schemas.insert(
        "DatastarMergeFragments".into(),
        json!({
            "type": "object",
            "description": format!("The payload of `datastar-merge-fragments`: HTML merged into the page. {FRAMING}"),
            "required": ["fragments"],
            "properties": {
                "selector": string("A CSS selector of the target. Without it each top-level element of `fragments` targets the element with its `id`."),
                "mergeMode": {
                    "type": "string",
                    "enum": ["morph", "inner", "outer", "prepend", "append", "before", "after", "upsertAttributes"],
                    "default": "morph",
                    "description": "Where the fragments go relative to the target. Left out for `morph`; lifebase never sends `upsertAttributes`."
                },
                "fragments": string("The HTML, one `data: fragments` line per line.")
            }
        }),
    );
    schemas.insert(
        "DatastarMergeSignals".into(),
        json!({
            "type": "object",
            "description": format!("The payload of `datastar-merge-signals`: values merged into the page's signals. {FRAMING}"),
            "required": ["signals"],
            "properties": {
                "signals": string("A JSON object as text, e.g. `{\"_selected\":0}`."),
                "onlyIfMissing": {"type": "boolean", "default": false, "description": "Sets only the signals the page does not have yet; lifebase never sends it."}
            }
        }),
    );
    schemas.insert(
        "DatastarRemoveFragments".into(),
        json!({
            "type": "object",
            "description": format!("The payload of `datastar-remove-fragments`: elements removed from the page. {FRAMING}"),
            "required": ["selector"],
            "properties": {
                "selector": string("A CSS selector; every element it matches is removed, e.g. `#row-RECORD_ID` (`[id=\"row-...\"]` when the id needs quoting).")
            }
        }),
    );
    schemas.insert(
        "DatastarExecuteScript".into(),
        json!({
            "type": "object",
            "description": format!("The payload of `datastar-execute-script`: JavaScript the page runs (the client adds it as a script element and removes it after it ran). lifebase sends it to redirect (`window.location.assign(\"/_/login\")`), to reload the table, and for merges that apply only when their target is (or is not) in the page. {FRAMING}"),
            "required": ["script"],
            "properties": {
                "script": string("The script, one `data: script` line per line."),
                "autoRemove": {"type": "boolean", "default": true, "description": "Removes the script element after it ran; lifebase never sends it."},
                "attributes": string("Attributes of the script element, one `data: attributes <name> <value>` line each; lifebase never sends them.")
            }
        }),
    );
}

/// The answers every record-browser stream shares besides its 200: the redirect to the
/// sign-in page of a request without a session.
fn responses(success: &str) -> Value {
    json!({
        "200": {
            "description": format!("{success} Without a valid session, a Datastar request (one with the `Datastar-Request` header) gets instead one `datastar-execute-script` event that sends the browser to `/_/login`."),
            "content": event_stream(
                json!({"type": "string", "enum": EVENTS.map(|(event, _)| event)}),
                "The payload's `<key> <value>` lines, joined with newlines (the `data: ` prefixes removed).",
                &EVENTS,
            )
        },
        "303": {
            "description": "No valid superuser session (no `lb_admin` cookie, or its token expired or is not a superuser's), and not a Datastar request: to the sign-in page.",
            "headers": {"Location": {"description": "The sign-in page.", "schema": {"type": "string", "const": "/_/login"}}}
        }
    })
}

/// The query and header parameters every record-browser stream reads.
fn parameters(extra: Vec<Value>) -> Value {
    let mut parameters = vec![
        json!({
            "name": "datastar",
            "in": "query",
            "description": "The page's Datastar signals, a JSON object as text (the client sends them this way on GET). Read: `q`, the table's filter (PocketBase's filter syntax), and `sort` (e.g. `-created`; default newest first). Anything that is not a JSON object counts as no signals.",
            "schema": {"type": "string"},
            "example": "{\"q\":\"\",\"sort\":\"-created\"}"
        }),
        json!({
            "name": "Datastar-Request",
            "in": "header",
            "description": "Sent by the Datastar client with every action (`true`); it makes a request without a session get the redirect as an event rather than a 303.",
            "schema": {"type": "string"}
        }),
    ];
    parameters.extend(extra);
    Value::Array(parameters)
}

/// The record browser's streams of one collection.
pub(super) fn add_paths(collection: &Collection<'_>, paths: &mut Map<String, Value>) {
    let name = collection.name;
    let base = format!("/_/collections/{name}/records");
    let security = json!([{SCHEME: []}]);
    paths.insert(
        format!("{base}/rows"),
        json!({"get": {
            "operationId": format!("{name}_adminRows"),
            "tags": [TAG],
            "summary": format!("Rows of the admin UI's {name} table, as Datastar events"),
            "description": "Superusers only (the admin session). Reads 50 records through the records service, filtered and sorted by the `q` and `sort` signals.",
            "security": security,
            "parameters": parameters(vec![json!({
                "name": "page",
                "in": "query",
                "description": "The page (1-based). Anything below 1 or not a number counts as 1.",
                "schema": {"type": "integer", "minimum": 1, "default": 1}
            })]),
            "responses": responses("Page 1 (a new filter or sort) replaces the table: `datastar-merge-fragments` morphing `#filter-error`, `#rows` (the rows `#row-<id>` and, when more may follow, the scroll sentinel `#more`), the header row, `#total` and `#live` (which reopens the live stream), then `datastar-merge-signals` `{\"_selected\":0}`; a filter that does not parse morphs only `#filter-error` with the message. A later page sends `datastar-remove-fragments` of `#more`, then `datastar-merge-fragments` appending the rows (and the next `#more`) to `#rows` (`selector #rows`, `mergeMode append`), or only the removal when the filter no longer parses. Other failures append an error message to `#flash`.")
        }}),
    );
    paths.insert(
        format!("{base}/live"),
        json!({"get": {
            "operationId": format!("{name}_adminLive"),
            "tags": [TAG],
            "summary": format!("The live stream of the admin UI's {name} table"),
            "description": "Superusers only (the admin session). Stays open while the page is, and turns each committed change of the collection into Datastar events for the table filtered by the `q` signal (checked through the records service, as the signed-in superuser).",
            "security": security,
            "parameters": parameters(vec![json!({
                "name": "n",
                "in": "query",
                "description": "Ignored; the page sends a new number with each stream it opens.",
                "schema": {"type": "integer"}
            })]),
            "responses": responses("A stream that does not end by itself. It starts with an SSE comment (`: keepalive`), sent again every 15 seconds while idle. A deleted record, or an updated one that no longer matches the filter: `datastar-remove-fragments` of `#row-<id>`. A created record that matches: `datastar-remove-fragments` of `#rows-empty`, then a `datastar-execute-script` that prepends the row to `#rows` unless `#row-<id>` is already shown (a merge-fragments payload the script hands to the client). An updated record that matches: a `datastar-execute-script` that morphs `#row-<id>` when it is shown. When the stream falls behind the changes or the client reads too slowly, it ends with a `datastar-execute-script` that makes the page reload its rows (which opens a new stream).")
        }}),
    );
}
