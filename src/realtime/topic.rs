//! Subscription topics: `collection/*`, `collection/RECORD_ID` or the older `collection`,
//! by name or id, optionally followed by `?options=<url-encoded {"query":{}, "headers":{}}>`.

use serde_json::{Map, Value};

use crate::core::collection::Collection;
use crate::service::realtime::TopicKind;

/// PocketBase's limits on one subscribe request.
pub const MAX_SUBSCRIPTIONS: usize = 1000;
pub const MAX_TOPIC_LENGTH: usize = 2500;

#[derive(Debug, Clone, PartialEq)]
pub struct Subscription {
    /// The topic exactly as subscribed; events are named after it.
    pub topic: String,
    pub collection: String,
    /// `None` for `collection/*` and `collection`.
    pub record_id: Option<String>,
    pub query: Map<String, Value>,
    pub headers: Map<String, Value>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum TopicError {
    TooMany,
    TooLong(usize),
}

impl Subscription {
    /// Parses one topic. Malformed options are ignored, as PocketBase does.
    pub fn parse(topic: &str) -> Subscription {
        let (path, options) = match topic.split_once('?') {
            Some((path, query)) => (path, parse_options(query)),
            None => (topic, (Map::new(), Map::new())),
        };
        let (collection, record_id) = match path.split_once('/') {
            Some((collection, "*")) => (collection, None),
            Some((collection, id)) => (collection, Some(id.to_string())),
            None => (path, None),
        };
        Subscription {
            topic: topic.to_string(),
            collection: collection.to_string(),
            record_id,
            query: options.0,
            headers: options.1,
        }
    }

    /// Whether an event of `collection`/`record_id` concerns this subscription, and which
    /// rule then guards it.
    pub fn matches(&self, collection: &Collection, record_id: &str) -> Option<TopicKind> {
        if self.collection != collection.name && self.collection != collection.id {
            return None;
        }
        match &self.record_id {
            None => Some(TopicKind::List),
            Some(id) if id == record_id => Some(TopicKind::View),
            Some(_) => None,
        }
    }
}

fn parse_options(query: &str) -> (Map<String, Value>, Map<String, Value>) {
    let raw = serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .unwrap_or_default()
        .into_iter()
        .find(|(key, _)| key == "options")
        .map(|(_, value)| value)
        .unwrap_or_default();
    let parsed: Value = serde_json::from_str(&raw).unwrap_or(Value::Null);
    let strings = |key: &str| -> Map<String, Value> {
        parsed
            .get(key)
            .and_then(Value::as_object)
            .map(|object| {
                object
                    .iter()
                    .map(|(name, value)| {
                        let text = match value {
                            Value::String(text) => text.clone(),
                            other => other.to_string(),
                        };
                        (name.clone(), Value::String(text))
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let headers = strings("headers")
        .into_iter()
        .map(|(name, value)| (name.to_lowercase().replace('-', "_"), value))
        .collect();
    (strings("query"), headers)
}

/// Parses a subscribe request's topics, enforcing PocketBase's limits.
pub fn parse_subscriptions(topics: &[String]) -> Result<Vec<Subscription>, TopicError> {
    if topics.len() > MAX_SUBSCRIPTIONS {
        return Err(TopicError::TooMany);
    }
    if let Some(position) = topics
        .iter()
        .position(|topic| topic.len() > MAX_TOPIC_LENGTH)
    {
        return Err(TopicError::TooLong(position));
    }
    let mut subscriptions: Vec<Subscription> = vec![];
    for topic in topics {
        let topic = topic.trim();
        if topic.is_empty() || subscriptions.iter().any(|s| s.topic == topic) {
            continue;
        }
        subscriptions.push(Subscription::parse(topic));
    }
    Ok(subscriptions)
}
