//! Small in-memory caches that stay correct by construction: every entry remembers the
//! change counters (`Store::generation`, `Store::table_generation`) and schema snapshot it
//! was computed under, and is used only while those are unchanged.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::Auth;
use crate::core::collection::Schema;

/// Entries kept at most per cache; a full cache starts over.
const MAX_ENTRIES: usize = 10_000;
/// An authenticated token is looked up again after this long even if nothing changed,
/// so a change made outside this process (the CLI) is seen soon.
const AUTH_TTL: Duration = Duration::from_secs(30);

struct CachedAuth {
    auth: Auth,
    schema: Arc<Schema>,
    table_generation: u64,
    expires: i64,
    cached_at: Instant,
}

struct CachedCount {
    generation: u64,
    total: i64,
}

/// The caches of one `App`.
#[derive(Default)]
pub struct Caches {
    auth: Mutex<HashMap<String, CachedAuth>>,
    counts: Mutex<HashMap<String, CachedCount>>,
}

fn insert_bounded<V>(map: &mut HashMap<String, V>, key: String, value: V) {
    if map.len() >= MAX_ENTRIES {
        map.clear();
    }
    map.insert(key, value);
}

impl Caches {
    /// The identity a token resolved to, if nothing it depends on changed since.
    pub fn auth(
        &self,
        token: &str,
        schema: &Arc<Schema>,
        table_generation: impl Fn(&str) -> u64,
    ) -> Option<Auth> {
        let cache = self
            .auth
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let entry = cache.get(token)?;
        let Auth::Record { collection, .. } = &entry.auth else {
            return None;
        };
        let fresh = Arc::ptr_eq(&entry.schema, schema)
            && entry.cached_at.elapsed() < AUTH_TTL
            && chrono::Utc::now().timestamp() < entry.expires
            && table_generation(&collection.name) == entry.table_generation;
        fresh.then(|| entry.auth.clone())
    }

    /// Remembers a resolved identity; `table_generation` must be read before the lookup.
    pub fn remember_auth(
        &self,
        token: &str,
        auth: Auth,
        schema: Arc<Schema>,
        table_generation: u64,
        expires: i64,
    ) {
        let mut cache = self
            .auth
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        insert_bounded(
            &mut cache,
            token.to_string(),
            CachedAuth {
                auth,
                schema,
                table_generation,
                expires,
                cached_at: Instant::now(),
            },
        );
    }

    /// A list total counted under the same database generation.
    pub fn count(&self, key: &str, generation: u64) -> Option<i64> {
        let cache = self
            .counts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        cache
            .get(key)
            .filter(|entry| entry.generation == generation)
            .map(|entry| entry.total)
    }

    /// Remembers a total; `generation` must be read before counting.
    pub fn remember_count(&self, key: String, generation: u64, total: i64) {
        let mut cache = self
            .counts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        insert_bounded(&mut cache, key, CachedCount { generation, total });
    }
}
