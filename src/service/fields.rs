//! `?fields=`: keeps only the listed keys of a response record (`*` for all keys of a
//! level, dotted paths into `expand`), with the `:excerpt(max, withEllipsis)` modifier.

use std::collections::BTreeMap;

use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
enum Modifier {
    Excerpt { max: usize, ellipsis: bool },
}

#[derive(Debug, Clone, Default)]
struct Node {
    children: BTreeMap<String, Node>,
    modifier: Option<Modifier>,
}

/// A parsed `fields` parameter; an empty one keeps everything.
#[derive(Debug, Clone, Default)]
pub struct FieldPicker {
    root: Option<Node>,
}

/// The `fields` parameter could not be parsed.
#[derive(Debug)]
pub struct BadFields;

impl FieldPicker {
    pub fn parse(fields: &str) -> Result<FieldPicker, BadFields> {
        let fields = fields.trim();
        if fields.is_empty() {
            return Ok(FieldPicker::default());
        }
        let mut root = Node::default();
        for entry in split_top_level(fields) {
            let entry = entry.trim();
            if entry.is_empty() {
                continue;
            }
            let (path, modifier) = match entry.split_once(':') {
                Some((path, modifier)) => (path, Some(parse_modifier(modifier)?)),
                None => (entry, None),
            };
            let mut node = &mut root;
            for part in path.split('.') {
                let part = part.trim();
                if part.is_empty() {
                    return Err(BadFields);
                }
                node = node.children.entry(part.to_string()).or_default();
            }
            node.modifier = modifier;
        }
        Ok(FieldPicker { root: Some(root) })
    }

    pub fn apply(&self, value: &mut Value) {
        if let Some(root) = &self.root {
            pick(value, root);
        }
    }
}

/// Splits on commas that are not inside parentheses (`a:excerpt(10,true),b`).
fn split_top_level(text: &str) -> Vec<&str> {
    let mut parts = vec![];
    let mut depth = 0i32;
    let mut start = 0;
    for (index, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&text[start..index]);
                start = index + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

fn parse_modifier(text: &str) -> Result<Modifier, BadFields> {
    let text = text.trim();
    let Some(arguments) = text
        .strip_prefix("excerpt(")
        .and_then(|rest| rest.strip_suffix(')'))
    else {
        return Err(BadFields);
    };
    let mut parts = arguments.split(',').map(str::trim);
    let max = parts
        .next()
        .and_then(|n| n.parse::<usize>().ok())
        .ok_or(BadFields)?;
    let ellipsis = match parts.next() {
        None => false,
        Some(flag) => matches!(flag, "true" | "1" | "t" | "T" | "TRUE" | "True"),
    };
    Ok(Modifier::Excerpt { max, ellipsis })
}

fn pick(value: &mut Value, node: &Node) {
    if let Some(modifier) = &node.modifier {
        apply_modifier(value, modifier);
        if node.children.is_empty() {
            return;
        }
    }
    if node.children.is_empty() {
        return;
    }
    match value {
        Value::Array(items) => {
            for item in items {
                pick(item, node);
            }
        }
        Value::Object(map) => {
            let wildcard = node.children.get("*");
            let keys: Vec<String> = map.keys().cloned().collect();
            for key in keys {
                match node.children.get(&key).or(wildcard) {
                    Some(child) => {
                        if let Some(inner) = map.get_mut(&key) {
                            pick(inner, child);
                        }
                    }
                    None => {
                        map.shift_remove(&key);
                    }
                }
            }
        }
        _ => {}
    }
}

fn apply_modifier(value: &mut Value, modifier: &Modifier) {
    let Modifier::Excerpt { max, ellipsis } = modifier;
    if let Value::String(text) = value {
        *text = excerpt(text, *max, *ellipsis);
    }
}

/// Plain text of an HTML string, whitespace collapsed, cut to `max` characters.
pub fn excerpt(html: &str, max: usize, ellipsis: bool) -> String {
    let mut plain = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                plain.push(' ');
            }
            '>' if in_tag => in_tag = false,
            _ if !in_tag => plain.push(c),
            _ => {}
        }
    }
    let collapsed = plain.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.chars().count() <= max {
        return collapsed;
    }
    let mut cut: String = collapsed.chars().take(max).collect();
    cut = cut.trim_end().to_string();
    if ellipsis {
        cut.push_str("...");
    }
    cut
}
