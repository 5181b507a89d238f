//! Rate limiting as PocketBase does it (`settings.rateLimits`): every request is checked
//! against the rule of its path (`POST /api/x`, `/api/x`, prefixes like `/api/`), and
//! record and auth routes also against their collection tags (`users:auth`, `*:auth`,
//! `*:create`...). Each rule keeps a fixed window per client IP. Superusers and
//! `excludedIPs` are never limited. Memory is bounded: expired windows are swept and,
//! past `MAX_WINDOWS`, the oldest are dropped. Changing the settings resets every window.
//! Start at `App::check_rate_limit`.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::settings::{
    AUDIENCE_ALL, AUDIENCE_AUTH, AUDIENCE_GUEST, RateLimitRule, Settings, ip_in_list,
};
use super::{App, Auth, ServiceError, ServiceResult, Superuser};

/// At most this many (rule, client) windows are kept.
const MAX_WINDOWS: usize = 100_000;
/// Expired windows are swept at most this often.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// What the limiter needs to know about a request.
#[derive(Debug, Clone, Copy)]
pub struct RateLimitRequest<'a> {
    pub method: &'a str,
    /// The URL path, without the query string.
    pub path: &'a str,
    /// The client IP (see `App::real_ip`); requests without one are not limited.
    pub ip: Option<IpAddr>,
    pub auth: &'a Auth,
}

/// The windows of every (rule, client) pair.
#[derive(Default)]
pub struct RateLimiter {
    state: Mutex<LimiterState>,
}

#[derive(Default)]
struct LimiterState {
    /// The settings the windows were counted under; other settings reset them.
    settings: Option<Arc<Settings>>,
    windows: HashMap<(String, IpAddr), Window>,
    last_sweep: Option<Instant>,
}

/// A fixed window: `used` requests since `start`.
#[derive(Debug, Clone, Copy)]
struct Window {
    start: Instant,
    length: Duration,
    used: i64,
}

impl RateLimiter {
    /// Counts one request of `ip` against `rule` (windows keyed by `id`); false when the
    /// rule's allowance for the current window is used up.
    fn allow(
        &self,
        settings: &Arc<Settings>,
        id: String,
        rule: &RateLimitRule,
        ip: IpAddr,
        now: Instant,
    ) -> bool {
        let mut state = match self.state.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        if !state
            .settings
            .as_ref()
            .is_some_and(|seen| Arc::ptr_eq(seen, settings))
        {
            state.windows.clear();
            state.settings = Some(settings.clone());
        }
        state.sweep(now);
        let length = Duration::from_secs(u64::try_from(rule.duration).unwrap_or(1).max(1));
        let window = state.windows.entry((id, ip)).or_insert(Window {
            start: now,
            length,
            used: 0,
        });
        if now.duration_since(window.start) >= window.length {
            window.start = now;
            window.used = 0;
        }
        window.length = length;
        if window.used < rule.max_requests {
            window.used += 1;
            true
        } else {
            false
        }
    }
}

impl LimiterState {
    fn sweep(&mut self, now: Instant) {
        let due = self
            .last_sweep
            .is_none_or(|last| now.duration_since(last) >= SWEEP_EVERY);
        if !due && self.windows.len() < MAX_WINDOWS {
            return;
        }
        self.last_sweep = Some(now);
        self.windows
            .retain(|_, window| now.duration_since(window.start) < window.length);
        if self.windows.len() >= MAX_WINDOWS {
            // Still full of live windows: keep the newer half.
            let mut starts: Vec<Instant> = self.windows.values().map(|w| w.start).collect();
            let middle = starts.len() / 2;
            let (_, cutoff, _) = starts.select_nth_unstable(middle);
            let cutoff = *cutoff;
            self.windows.retain(|_, window| window.start > cutoff);
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.windows.len()
    }
}

/// The route tags of a record or auth route and the route's pattern, as PocketBase
/// tags them for rate limits: `(collection, tags, pattern)`.
fn collection_route<'a>(
    method: &str,
    path: &'a str,
) -> Option<(&'a str, &'static [&'static str], &'static str)> {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    match segments.as_slice() {
        ["", "api", "collections", collection, "records"] => match method {
            "GET" => Some((collection, &["list"], "records")),
            "POST" => Some((collection, &["create"], "records")),
            _ => None,
        },
        ["", "api", "collections", collection, "records", _id] => match method {
            "GET" => Some((collection, &["view"], "records/{id}")),
            "PATCH" => Some((collection, &["update"], "records/{id}")),
            "DELETE" => Some((collection, &["delete"], "records/{id}")),
            _ => None,
        },
        ["", "api", "collections", collection, action] => {
            let tags: &'static [&'static str] = match (method, *action) {
                ("GET", "auth-methods") => &["listAuthMethods"],
                ("POST", "auth-refresh") => &["authRefresh"],
                ("POST", "auth-with-password") => &["authWithPassword", "auth"],
                ("POST", "auth-with-oauth2") => &["authWithOAuth2", "auth"],
                ("POST", "request-otp") => &["requestOTP"],
                ("POST", "auth-with-otp") => &["authWithOTP", "auth"],
                ("POST", "request-password-reset") => &["requestPasswordReset"],
                ("POST", "confirm-password-reset") => &["confirmPasswordReset"],
                ("POST", "request-verification") => &["requestVerification"],
                ("POST", "confirm-verification") => &["confirmVerification"],
                ("POST", "request-email-change") => &["requestEmailChange"],
                ("POST", "confirm-email-change") => &["confirmEmailChange"],
                _ => return None,
            };
            Some((collection, tags, "auth"))
        }
        ["", "api", "files", collection, _id, _name] if method == "GET" => {
            Some((collection, &["file"], "files"))
        }
        _ => None,
    }
}

impl App {
    /// The client IP: the first trusted proxy header that holds an IP (its last value;
    /// the rightmost IP in it, or the leftmost with `useLeftmostIP`), else the peer.
    pub fn real_ip(
        &self,
        peer: Option<IpAddr>,
        header: impl Fn(&str) -> Option<String>,
    ) -> Option<IpAddr> {
        let settings = self.settings();
        let proxy = &settings.trusted_proxy;
        for name in &proxy.headers {
            let Some(list) = header(name).filter(|list| !list.is_empty()) else {
                continue;
            };
            let mut ips = list.split(',').map(|ip| ip.trim().parse::<IpAddr>());
            let found = if proxy.use_leftmost_ip {
                ips.find_map(Result::ok)
            } else {
                ips.rev().find_map(Result::ok)
            };
            if found.is_some() {
                return found;
            }
        }
        peer
    }

    /// The first of the trusted proxy headers and the usual proxy headers that the
    /// request carries, or `""` (the dashboard's hint that a proxy is in front).
    pub fn possible_proxy_header(
        &self,
        _superuser: &Superuser<'_>,
        present: impl Fn(&str) -> bool,
    ) -> String {
        let settings = self.settings();
        settings
            .trusted_proxy
            .headers
            .iter()
            .map(String::as_str)
            .chain(["CF-Connecting-IP", "Fly-Client-IP", "X-Forwarded-For"])
            .find(|name| present(name))
            .unwrap_or_default()
            .to_string()
    }

    /// Checks one request against the rate limit rules; `TooManyRequests` when a rule's
    /// allowance is used up.
    pub fn check_rate_limit(&self, request: RateLimitRequest<'_>) -> ServiceResult<()> {
        let settings = self.settings();
        let limits = &settings.rate_limits;
        let Some(ip) = request.ip else {
            return Ok(());
        };
        if !limits.enabled || request.auth.is_superuser() || ip_in_list(&limits.excluded_ips, ip) {
            return Ok(());
        }
        let audiences: [&str; 2] = match request.auth {
            Auth::Guest => [AUDIENCE_ALL, AUDIENCE_GUEST],
            Auth::Record { .. } => [AUDIENCE_ALL, AUDIENCE_AUTH],
        };
        let path_labels = vec![
            format!("{} {}", request.method, request.path),
            request.path.to_string(),
        ];
        let now = Instant::now();
        if let Some(rule) = limits.find_rule(&path_labels, &audiences) {
            let id = format!("{}{}", rule.label, rule.audience);
            if !self.rate_limiter.allow(&settings, id, rule, ip, now) {
                return Err(too_many(rule));
            }
        }
        let Some((collection, tags, pattern)) = collection_route(request.method, request.path)
        else {
            return Ok(());
        };
        let Ok(collection) = self.collection(collection) else {
            return Ok(());
        };
        let mut labels: Vec<String> = tags
            .iter()
            .map(|tag| format!("{}:{tag}", collection.name))
            .collect();
        labels.extend(tags.iter().map(|tag| format!("*:{tag}")));
        labels.extend(path_labels);
        if let Some(rule) = limits.find_rule(&labels, &audiences) {
            let id = format!(
                "{}{} {pattern}{}{}",
                collection.id,
                request.method,
                tags.concat(),
                rule.audience
            );
            if !self.rate_limiter.allow(&settings, id, rule, ip, now) {
                return Err(too_many(rule));
            }
        }
        Ok(())
    }
}

fn too_many(rule: &RateLimitRule) -> ServiceError {
    tracing::debug!(
        label = %rule.label,
        audience = %rule.audience,
        "rate limit rule triggered"
    );
    ServiceError::TooManyRequests
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(label: &str, duration: i64, max_requests: i64) -> RateLimitRule {
        RateLimitRule {
            label: label.into(),
            audience: String::new(),
            duration,
            max_requests,
        }
    }

    #[test]
    fn fixed_window_counts_then_resets() {
        let limiter = RateLimiter::default();
        let settings = Arc::new(Settings::default());
        let ip: IpAddr = [127, 0, 0, 1].into();
        let rule = rule("*:auth", 2, 2);
        let start = Instant::now();
        let allowed: Vec<bool> = (0..3)
            .map(|_| limiter.allow(&settings, "a".into(), &rule, ip, start))
            .collect();
        assert_eq!(allowed, [true, true, false]);
        let other: IpAddr = [127, 0, 0, 2].into();
        assert!(limiter.allow(&settings, "a".into(), &rule, other, start));
        let later = start + Duration::from_secs(2);
        assert!(limiter.allow(&settings, "a".into(), &rule, ip, later));
        let changed = Arc::new(Settings::default());
        assert!(limiter.allow(&changed, "a".into(), &rule, ip, later));
    }

    #[test]
    fn memory_stays_bounded() {
        let limiter = RateLimiter::default();
        let settings = Arc::new(Settings::default());
        let rule = rule("/api/", 600, 5);
        let start = Instant::now();
        for n in 0..(MAX_WINDOWS as u32 + 10) {
            let ip = IpAddr::from(n.to_be_bytes());
            let now = start + Duration::from_micros(u64::from(n));
            limiter.allow(&settings, "x".into(), &rule, ip, now);
        }
        let state = limiter.state.lock().expect("lock");
        assert!(state.len() <= MAX_WINDOWS, "{} windows", state.len());
    }

    #[test]
    fn routes_get_pocketbase_tags() {
        let cases = [
            (
                "POST",
                "/api/collections/users/auth-with-password",
                Some(vec!["authWithPassword", "auth"]),
            ),
            (
                "POST",
                "/api/collections/posts/records",
                Some(vec!["create"]),
            ),
            ("GET", "/api/collections/posts/records", Some(vec!["list"])),
            (
                "DELETE",
                "/api/collections/posts/records/abc",
                Some(vec!["delete"]),
            ),
            ("GET", "/api/files/posts/abc/a.png", Some(vec!["file"])),
            ("GET", "/api/collections/posts", None),
            ("PUT", "/api/collections/posts/records", None),
        ];
        for (method, path, want) in cases {
            let got = collection_route(method, path).map(|(_, tags, _)| tags.to_vec());
            assert_eq!(got, want, "{method} {path}");
        }
    }
}
