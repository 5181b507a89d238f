//! The Datastar protocol, in one place: the SSE events the admin UI sends and the signals it
//! reads. It speaks exactly the protocol of the client the binary embeds, Datastar
//! `1.0.0-beta.11` (npm `@starfederation/datastar`, pinned in `templates/ui/vendor/`): events
//! `datastar-merge-fragments`, `datastar-merge-signals`, `datastar-remove-fragments`,
//! `datastar-execute-script`, each a set of `data: <key> <value>` lines; signals arrive as
//! the JSON body, or as the `datastar` query parameter on GET. Moving to the final v1
//! protocol (`datastar-patch-elements` / `datastar-patch-signals`) changes this file only.

use std::fmt::Write as _;

use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use actix_web::{HttpRequest, HttpResponse};
use serde_json::{Map, Value};

/// The version of the embedded client, also part of its URL (so it can be cached forever).
pub const CLIENT_VERSION: &str = "1.0.0-beta.11";

/// The embedded client (an ES module).
pub const CLIENT_JS: &str = include_str!(env!("LB_DATASTAR_JS"));

/// The header every Datastar action sends.
pub const REQUEST_HEADER: &str = "Datastar-Request";

/// Where a fragment goes relative to its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Merge {
    /// Morphs the target (found by the fragment's id unless a selector is given) into the fragment.
    Morph,
    /// Replaces the target's children.
    Inner,
    /// Replaces the target.
    Outer,
    Prepend,
    Append,
    Before,
    After,
}

impl Merge {
    fn as_str(self) -> &'static str {
        match self {
            Merge::Morph => "morph",
            Merge::Inner => "inner",
            Merge::Outer => "outer",
            Merge::Prepend => "prepend",
            Merge::Append => "append",
            Merge::Before => "before",
            Merge::After => "after",
        }
    }
}

/// A batch of Datastar events, written as `text/event-stream` text.
#[derive(Debug, Default, Clone)]
pub struct Events {
    text: String,
}

impl Events {
    pub fn new() -> Self {
        Events::default()
    }

    /// Morphs elements into the page, each matched by its `id`.
    pub fn fragments(mut self, html: &str) -> Self {
        self.push_fragments(html, None, Merge::Morph);
        self
    }

    /// Merges `html` into the elements `selector` matches, the way `merge` says.
    pub fn fragments_into(mut self, selector: &str, merge: Merge, html: &str) -> Self {
        self.push_fragments(html, Some(selector), merge);
        self
    }

    /// Removes every element `selector` matches.
    pub fn remove(mut self, selector: &str) -> Self {
        self.event("datastar-remove-fragments", &[("selector", selector)]);
        self
    }

    /// Merges signals (a JSON object) into the page's signals.
    pub fn signals(mut self, signals: &Value) -> Self {
        self.event(
            "datastar-merge-signals",
            &[("signals", &signals.to_string())],
        );
        self
    }

    /// Runs a script in the page (the client adds it as a module script and removes it).
    pub fn script(mut self, script: &str) -> Self {
        self.event("datastar-execute-script", &[("script", script)]);
        self
    }

    /// Sends the browser to `url` (a path of ours).
    pub fn redirect(self, url: &str) -> Self {
        let target = Value::String(url.to_owned()).to_string();
        self.script(&format!("window.location.assign({target})"))
    }

    /// Morphs `html` into the element `selector` matches, only if there is one (a merge
    /// without a target is an error in the client). Sent as a script that checks for the
    /// target and then hands the client the same merge event `fragments_into` would.
    pub fn fragments_if_present(self, selector: &str, html: &str) -> Self {
        self.conditional_fragments(
            &format!("document.querySelector({})", json_string(selector)),
            selector,
            Merge::Morph,
            html,
        )
    }

    /// Merges `html` into `selector` the way `merge` says, unless an element matching
    /// `absent` is already in the page (so a row that is already shown is not added twice).
    pub fn fragments_unless_present(
        self,
        absent: &str,
        selector: &str,
        merge: Merge,
        html: &str,
    ) -> Self {
        self.conditional_fragments(
            &format!("!document.querySelector({})", json_string(absent)),
            selector,
            merge,
            html,
        )
    }

    fn conditional_fragments(
        self,
        condition: &str,
        selector: &str,
        merge: Merge,
        html: &str,
    ) -> Self {
        let mut args = serde_json::Map::new();
        args.insert("selector".into(), Value::String(selector.to_owned()));
        if merge != Merge::Morph {
            args.insert("mergeMode".into(), Value::String(merge.as_str().to_owned()));
        }
        args.insert("fragments".into(), Value::String(html.to_owned()));
        let args = Value::Object(args);
        self.script(&format!(
            "if ({condition}) document.dispatchEvent(new CustomEvent(\"datastar-sse\", {{detail: {{type: \"datastar-merge-fragments\", argsRaw: {args}}}}}))"
        ))
    }

    /// An SSE comment: ignored by the client, it keeps a long-lived stream (and the
    /// proxies on its way) from timing out, and tells the server when the client is gone.
    pub fn keepalive(mut self) -> Self {
        self.text.push_str(": keepalive\n\n");
        self
    }

    /// Appends another batch.
    pub fn extend(mut self, other: Events) -> Self {
        self.text.push_str(&other.text);
        self
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// The events as SSE text.
    pub fn as_text(&self) -> &str {
        &self.text
    }

    /// A complete `text/event-stream` answer holding these events.
    pub fn response(self) -> HttpResponse {
        self.response_with(HttpResponse::Ok())
    }

    /// As `response`, on a builder that already carries headers (cookies, say).
    pub fn response_with(self, mut builder: actix_web::HttpResponseBuilder) -> HttpResponse {
        builder
            .insert_header((CONTENT_TYPE, "text/event-stream"))
            .insert_header((CACHE_CONTROL, "no-cache"))
            .body(self.text)
    }

    fn push_fragments(&mut self, html: &str, selector: Option<&str>, merge: Merge) {
        let mut args = Vec::with_capacity(3);
        if let Some(selector) = selector {
            args.push(("selector", selector));
        }
        if merge != Merge::Morph {
            args.push(("mergeMode", merge.as_str()));
        }
        args.push(("fragments", html));
        self.event("datastar-merge-fragments", &args);
    }

    /// One event: each argument becomes one `data:` line per line of its value (the client
    /// joins lines of the same key with newlines).
    fn event(&mut self, name: &str, args: &[(&str, &str)]) {
        let _ = writeln!(self.text, "event: {name}");
        for (key, value) in args {
            for line in value.lines() {
                let _ = writeln!(self.text, "data: {key} {line}");
            }
            if value.is_empty() {
                let _ = writeln!(self.text, "data: {key} ");
            }
        }
        self.text.push('\n');
    }
}

/// A long-lived `text/event-stream` answer: each batch the stream yields is written as it
/// comes; the answer ends with the stream (and the stream is dropped when the client goes).
pub fn streaming<S>(stream: S) -> HttpResponse
where
    S: futures_util::Stream<Item = Events> + 'static,
{
    use futures_util::StreamExt as _;
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "text/event-stream"))
        .insert_header((CACHE_CONTROL, "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(stream.map(|events| {
            Ok::<_, std::convert::Infallible>(actix_web::web::Bytes::from(events.text))
        }))
}

/// A CSS selector for the element with this `id`, whatever characters the id has.
pub fn id_selector(id: &str) -> String {
    let plain = id
        .chars()
        .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
        && id.starts_with(|ch: char| ch.is_ascii_alphabetic());
    if plain {
        format!("#{id}")
    } else {
        let mut quoted = String::with_capacity(id.len() + 8);
        for ch in id.chars() {
            match ch {
                '"' | '\\' => {
                    quoted.push('\\');
                    quoted.push(ch);
                }
                ch if ch.is_control() => quoted.push_str(&format!("\\{:x} ", ch as u32)),
                ch => quoted.push(ch),
            }
        }
        format!("[id=\"{quoted}\"]")
    }
}

fn json_string(text: &str) -> String {
    Value::String(text.to_owned()).to_string()
}

/// True when a Datastar action sent the request (rather than a page load or a plain form).
pub fn is_action(req: &HttpRequest) -> bool {
    req.headers().contains_key(REQUEST_HEADER)
}

/// The signals of a request: the JSON body, or the `datastar` query parameter of a GET.
/// Anything that is not a JSON object counts as no signals.
pub fn signals_from(query: &str, body: &[u8]) -> Map<String, Value> {
    let parsed = if body.is_empty() {
        serde_urlencoded::from_str::<Vec<(String, String)>>(query)
            .ok()
            .and_then(|pairs| pairs.into_iter().find(|(key, _)| key == "datastar"))
            .and_then(|(_, json)| serde_json::from_str::<Value>(&json).ok())
    } else {
        serde_json::from_slice::<Value>(body).ok()
    };
    match parsed {
        Some(Value::Object(signals)) => signals,
        _ => Map::new(),
    }
}

#[cfg(test)]
mod tests;
