//! Load benchmark: lifebase against real PocketBase, same schema, same data, same load.
//!
//! For each server in turn it starts the binary on 127.0.0.1 with a fresh data dir,
//! creates the `posts` schema through the collections API, seeds users and posts through
//! the records API (concurrent keep-alive creates), then runs the scenarios below with
//! one HTTP/1.1 keep-alive connection per simulated client, and stops the server.
//! Every loop is bounded by a request count and a deadline; traffic goes to 127.0.0.1
//! only. Results go to stdout, `target/bench/results.json` and `target/bench/results.md`.
//!
//! Usually started by `benches/run.sh` (`task bench`), which installs PocketBase and
//! builds the release binary. Settings come from the environment (`cargo bench` passes
//! `--bench` as an argument, which is ignored):
//!
//! - `BENCH_QUICK=1`: 10k records and short scenarios (about two minutes in all).
//! - `BENCH_RECORDS`, `BENCH_USERS`, `BENCH_SECS`, `BENCH_SUBSCRIBERS`: override sizes.
//! - `BENCH_LB_BIN`, `BENCH_PB_BIN`: the two binaries; `BENCH_ONLY=lifebase|pocketbase`.
//! - `BENCH_OUT`: the output folder (default `target/bench`).

use std::collections::BTreeMap;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper::{Method, Request, header};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpStream;

const SUPERUSER_EMAIL: &str = "bench@example.com";
const SUPERUSER_PASSWORD: &str = "bench-superuser-password";
const USER_PASSWORD: &str = "bench-user-password";
/// How long one request may take before it counts as an error.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
const TAGS: [&str; 8] = ["a", "b", "c", "d", "e", "f", "g", "h"];
/// The filter and sort of the list scenarios (URL-encoded `score >= 100 && score < 600`).
const LIST_QUERY: &str =
    "perPage=30&sort=-created&filter=score%20%3E%3D%20100%20%26%26%20score%20%3C%20600";

// ---------------------------------------------------------------------------------------
// Settings

struct Settings {
    quick: bool,
    records: u64,
    users: usize,
    /// Measured time of each throughput scenario (after a warm-up of a tenth of it).
    duration: Duration,
    /// The most time seeding may take per server before the benchmark gives up.
    seed_deadline: Duration,
    seed_concurrency: usize,
    subscribers: usize,
    realtime_events: usize,
    lifebase_bin: PathBuf,
    pocketbase_bin: PathBuf,
    only: Option<String>,
    out: PathBuf,
}

fn env_number(name: &str) -> Result<Option<u64>> {
    match std::env::var(name) {
        Ok(text) if !text.trim().is_empty() => text
            .trim()
            .parse()
            .map(Some)
            .with_context(|| format!("{name} must be a whole number, not {text:?}")),
        _ => Ok(None),
    }
}

impl Settings {
    fn from_env() -> Result<Settings> {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let quick = std::env::var("BENCH_QUICK").is_ok_and(|v| v == "1");
        let path = |name: &str, default: PathBuf| {
            std::env::var_os(name).map(PathBuf::from).unwrap_or(default)
        };
        let settings = Settings {
            quick,
            records: env_number("BENCH_RECORDS")?.unwrap_or(if quick { 10_000 } else { 100_000 }),
            users: env_number("BENCH_USERS")?.unwrap_or(if quick { 16 } else { 64 }) as usize,
            duration: Duration::from_secs(env_number("BENCH_SECS")?.unwrap_or(if quick {
                3
            } else {
                10
            })),
            seed_deadline: Duration::from_secs(if quick { 120 } else { 300 }),
            seed_concurrency: 64,
            subscribers: env_number("BENCH_SUBSCRIBERS")?.unwrap_or(if quick { 100 } else { 200 })
                as usize,
            realtime_events: if quick { 50 } else { 200 },
            lifebase_bin: path("BENCH_LB_BIN", root.join("target/release/lifebase")),
            pocketbase_bin: path("BENCH_PB_BIN", root.join(".venv/pydeps/bin/pocketbase")),
            only: std::env::var("BENCH_ONLY").ok().filter(|v| !v.is_empty()),
            out: path("BENCH_OUT", root.join("target/bench")),
        };
        if settings.users == 0 || settings.records == 0 || settings.subscribers == 0 {
            bail!("BENCH_USERS, BENCH_RECORDS and BENCH_SUBSCRIBERS must be positive");
        }
        Ok(settings)
    }

    fn to_json(&self) -> Value {
        json!({
            "quick": self.quick,
            "records": self.records,
            "users": self.users,
            "scenario_seconds": self.duration.as_secs_f64(),
            "seed_concurrency": self.seed_concurrency,
            "subscribers": self.subscribers,
            "realtime_events": self.realtime_events,
        })
    }
}

// ---------------------------------------------------------------------------------------
// Processes

/// A server process with its own fresh data dir.
struct Server {
    name: &'static str,
    /// The highest VmHWM seen before a reset of it (see `take_peak_kib`).
    peak_kib: u64,
    child: Child,
    addr: SocketAddr,
    dir: PathBuf,
}

fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("bind a free port")?;
    Ok(listener.local_addr()?.port())
}

impl Server {
    async fn start(name: &'static str, bin: &Path, out: &Path) -> Result<Server> {
        if !bin.is_file() {
            bail!("{name} binary not found at {}", bin.display());
        }
        // PocketBase keeps `pb_migrations/` (written on every collection change when
        // automigrate is on, and replayed at start) and `pb_hooks/` beside its data dir,
        // so the data dir sits one level down in a folder that is wiped before each run.
        let home = out.join("data").join(name);
        if home.exists() {
            std::fs::remove_dir_all(&home).with_context(|| format!("clear {}", home.display()))?;
        }
        let dir = home.join("data");
        std::fs::create_dir_all(&dir)?;
        let upsert = Command::new(bin)
            .args([
                "superuser",
                "upsert",
                SUPERUSER_EMAIL,
                SUPERUSER_PASSWORD,
                "--dir",
            ])
            .arg(&dir)
            .output()
            .with_context(|| format!("run {} superuser upsert", bin.display()))?;
        if !upsert.status.success() {
            bail!(
                "{name} superuser upsert failed: {}",
                String::from_utf8_lossy(&upsert.stderr)
            );
        }
        let port = free_port()?;
        let log = std::fs::File::create(out.join(format!("{name}.log")))?;
        let child = Command::new(bin)
            .args(["serve", "--http", &format!("127.0.0.1:{port}"), "--dir"])
            .arg(&dir)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .with_context(|| format!("start {}", bin.display()))?;
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let mut server = Server {
            name,
            peak_kib: 0,
            child,
            addr,
            dir,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = server.child.try_wait()? {
                bail!("{name} exited during start ({status}); see its log in the output folder");
            }
            if let Ok(mut client) = Client::connect(addr).await
                && let Ok((200, _)) = client.send(Method::GET, "/api/health", None, None).await
            {
                return Ok(server);
            }
            if Instant::now() > deadline {
                bail!("{name} did not answer /api/health within 20 s");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `(VmRSS, VmHWM)` in KiB: the resident set now and its peak so far.
    fn memory_kib(&self) -> Result<(u64, u64)> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))?;
        let field = |key: &str| {
            status
                .lines()
                .find_map(|line| line.strip_prefix(key))
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|number| number.parse::<u64>().ok())
                .ok_or_else(|| anyhow!("no {key} in /proc/PID/status"))
        };
        Ok((field("VmRSS:")?, field("VmHWM:")?))
    }

    /// The peak resident set since the last call (VmHWM), in KiB, and a reset of it
    /// (`5` in `/proc/PID/clear_refs`, Linux 4.0+), so each scenario gets its own peak;
    /// `peak_kib` keeps the peak of the whole run. Without the reset (no permission),
    /// every later scenario reports the peak so far.
    fn take_peak_kib(&mut self) -> Result<u64> {
        let (_, hwm) = self.memory_kib()?;
        self.peak_kib = self.peak_kib.max(hwm);
        let _ = std::fs::write(format!("/proc/{}/clear_refs", self.pid()), "5");
        Ok(hwm)
    }

    /// User + system CPU time the server has used so far, in seconds.
    fn cpu_seconds(&self, ticks_per_second: f64) -> Result<f64> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid()))?;
        // Fields after the `(comm)` one, starting with field 3 (state): utime is field 14.
        let rest = stat
            .rsplit_once(')')
            .map(|(_, rest)| rest)
            .ok_or_else(|| anyhow!("unexpected /proc/PID/stat"))?;
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ticks = |index: usize| -> Result<f64> {
            Ok(fields
                .get(index)
                .ok_or_else(|| anyhow!("short /proc/PID/stat"))?
                .parse::<f64>()?)
        };
        Ok((ticks(11)? + ticks(12)?) / ticks_per_second)
    }

    /// SIGTERM, then up to 15 s for a graceful exit, then SIGKILL.
    fn stop(&mut self) -> Result<()> {
        if self.child.try_wait()?.is_some() {
            return Ok(());
        }
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if self.child.try_wait()?.is_some() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        eprintln!("{} did not stop within 15 s; killing it", self.name);
        self.child.kill()?;
        self.child.wait()?;
        Ok(())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn dir_size(path: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(path) else {
        return 0;
    };
    entries
        .flatten()
        .map(|entry| match entry.metadata() {
            Ok(meta) if meta.is_dir() => dir_size(&entry.path()),
            Ok(meta) => meta.len(),
            Err(_) => 0,
        })
        .sum()
}

fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|out| String::from_utf8_lossy(&out.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

fn command_output(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".into())
}

// ---------------------------------------------------------------------------------------
// HTTP client: one keep-alive HTTP/1.1 connection, reconnected after an error.

struct Client {
    addr: SocketAddr,
    host: String,
    sender: Option<SendRequest<Full<Bytes>>>,
}

async fn open(addr: SocketAddr) -> Result<SendRequest<Full<Bytes>>> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(sender)
}

impl Client {
    async fn connect(addr: SocketAddr) -> Result<Client> {
        Ok(Client {
            addr,
            host: addr.to_string(),
            sender: Some(open(addr).await?),
        })
    }

    fn build(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Bytes>,
    ) -> Result<Request<Full<Bytes>>> {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, &self.host);
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, token);
        }
        if body.is_some() {
            request = request.header(header::CONTENT_TYPE, "application/json");
        }
        Ok(request.body(Full::new(body.unwrap_or_default()))?)
    }

    async fn sender(&mut self) -> Result<&mut SendRequest<Full<Bytes>>> {
        if self.sender.as_ref().is_none_or(|sender| sender.is_closed()) {
            self.sender = Some(open(self.addr).await?);
        }
        let sender = self
            .sender
            .as_mut()
            .ok_or_else(|| anyhow!("no connection"))?;
        sender.ready().await?;
        Ok(sender)
    }

    /// Sends one request and reads the whole answer: `(status, body)`.
    async fn send(
        &mut self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Bytes>,
    ) -> Result<(u16, Bytes)> {
        let request = self.build(method, path, token, body)?;
        let outcome = tokio::time::timeout(REQUEST_TIMEOUT, async {
            let response = self.sender().await?.send_request(request).await?;
            let status = response.status().as_u16();
            let body = response.into_body().collect().await?.to_bytes();
            Ok::<_, anyhow::Error>((status, body))
        })
        .await;
        match outcome {
            Ok(Ok(answer)) => Ok(answer),
            Ok(Err(error)) => {
                self.sender = None;
                Err(error)
            }
            Err(_) => {
                self.sender = None;
                Err(anyhow!("timed out after {REQUEST_TIMEOUT:?}"))
            }
        }
    }

    async fn json(
        &mut self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Result<(u16, Value)> {
        let body = body.map(|b| Bytes::from(b.to_string()));
        let (status, bytes) = self.send(method, path, token, body).await?;
        let value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or(Value::Null)
        };
        Ok((status, value))
    }

    /// Like `json`, but any status other than `expect` is an error with the body in it.
    async fn must(
        &mut self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
        expect: u16,
    ) -> Result<Value> {
        let (status, value) = self.json(method.clone(), path, token, body).await?;
        if status != expect {
            bail!("{method} {path}: expected {expect}, got {status}: {value}");
        }
        Ok(value)
    }
}

/// A small deterministic PRNG (xorshift64*), so both servers get the same request mix.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % bound.max(1)
    }
}

// ---------------------------------------------------------------------------------------
// The data set

struct User {
    id: String,
    email: String,
    token: String,
}

fn post_body(index: u64, author: &str) -> Value {
    json!({
        "title": format!("Post {index}: a benchmark record"),
        "body": format!(
            "<p>Record {index}. Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do \
             eiusmod tempor incididunt ut labore et dolore magna aliqua.</p>"
        ),
        "score": index % 1000,
        "tags": [TAGS[(index % 8) as usize], TAGS[((index + 3) % 8) as usize]],
        "author": author,
    })
}

/// The `posts` collection of the benchmark (the same JSON goes to both servers).
fn posts_collection() -> Value {
    json!({
        "name": "posts",
        "type": "base",
        "listRule": "",
        "viewRule": "",
        "createRule": "@request.auth.id != ''",
        "updateRule": null,
        "deleteRule": null,
        "fields": [
            {"name": "title", "type": "text", "required": true, "max": 200},
            {"name": "body", "type": "editor"},
            {"name": "score", "type": "number"},
            {"name": "tags", "type": "select", "maxSelect": 3, "values": TAGS},
            {"name": "author", "type": "relation", "collectionId": "_pb_users_auth_",
             "maxSelect": 1},
            {"name": "created", "type": "autodate", "onCreate": true, "onUpdate": false},
            {"name": "updated", "type": "autodate", "onCreate": true, "onUpdate": true}
        ],
        "indexes": ["CREATE INDEX idx_posts_created ON posts (created)"]
    })
}

/// Schema through the collections API: public `users` (so `expand=author` shows them)
/// and `posts`.
async fn create_schema(client: &mut Client) -> Result<String> {
    let auth = client
        .must(
            Method::POST,
            "/api/collections/_superusers/auth-with-password",
            None,
            Some(&json!({"identity": SUPERUSER_EMAIL, "password": SUPERUSER_PASSWORD})),
            200,
        )
        .await?;
    let token = auth["token"]
        .as_str()
        .ok_or_else(|| anyhow!("no superuser token"))?
        .to_string();
    client
        .must(
            Method::PATCH,
            "/api/collections/users",
            Some(&token),
            Some(&json!({"listRule": "", "viewRule": "", "createRule": ""})),
            200,
        )
        .await?;
    client
        .must(
            Method::POST,
            "/api/collections",
            Some(&token),
            Some(&posts_collection()),
            200,
        )
        .await?;
    Ok(token)
}

/// Creates and logs in `count` users, a few at a time (both steps run bcrypt).
async fn seed_users(addr: SocketAddr, count: usize) -> Result<Vec<User>> {
    let next = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let next = next.clone();
        tasks.push(tokio::spawn(async move {
            let mut client = Client::connect(addr).await?;
            let mut users = Vec::new();
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                if index >= count as u64 {
                    return Ok::<_, anyhow::Error>(users);
                }
                let email = format!("user{index}@example.com");
                let body = json!({
                    "email": email,
                    "password": USER_PASSWORD,
                    "passwordConfirm": USER_PASSWORD,
                });
                client
                    .must(
                        Method::POST,
                        "/api/collections/users/records",
                        None,
                        Some(&body),
                        200,
                    )
                    .await?;
                let auth = client
                    .must(
                        Method::POST,
                        "/api/collections/users/auth-with-password",
                        None,
                        Some(&json!({"identity": email, "password": USER_PASSWORD})),
                        200,
                    )
                    .await?;
                users.push((
                    index,
                    User {
                        id: auth["record"]["id"]
                            .as_str()
                            .unwrap_or_default()
                            .to_string(),
                        email,
                        token: auth["token"].as_str().unwrap_or_default().to_string(),
                    },
                ));
            }
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await??);
    }
    all.sort_by_key(|(index, _)| *index);
    Ok(all.into_iter().map(|(_, user)| user).collect())
}

struct Seeded {
    ids: Vec<String>,
    seconds: f64,
    errors: u64,
}

/// Creates `records` posts with `concurrency` keep-alive connections, each as one of the
/// users (so the create rule is evaluated), and returns their ids in creation order.
async fn seed_posts(
    addr: SocketAddr,
    users: &Arc<Vec<User>>,
    records: u64,
    concurrency: usize,
    deadline: Duration,
) -> Result<Seeded> {
    let next = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (next, errors, users) = (next.clone(), errors.clone(), users.clone());
        tasks.push(tokio::spawn(async move {
            let mut client = Client::connect(addr).await?;
            let mut ids = Vec::new();
            while start.elapsed() < deadline {
                let index = next.fetch_add(1, Ordering::Relaxed);
                if index >= records {
                    break;
                }
                let user = &users[(index % users.len() as u64) as usize];
                let body = Bytes::from(post_body(index, &user.id).to_string());
                match client
                    .send(
                        Method::POST,
                        "/api/collections/posts/records",
                        Some(&user.token),
                        Some(body),
                    )
                    .await
                {
                    Ok((200, bytes)) => {
                        let value: Value = serde_json::from_slice(&bytes)?;
                        let id = value["id"].as_str().unwrap_or_default().to_string();
                        ids.push((index, id));
                    }
                    Ok((status, bytes)) => {
                        if errors.fetch_add(1, Ordering::Relaxed) == 0 {
                            eprintln!(
                                "  seed: first error {status}: {}",
                                String::from_utf8_lossy(&bytes)
                            );
                        }
                    }
                    Err(error) => {
                        if errors.fetch_add(1, Ordering::Relaxed) == 0 {
                            eprintln!("  seed: first error: {error:#}");
                        }
                    }
                }
            }
            Ok::<_, anyhow::Error>(ids)
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await??);
    }
    let seconds = start.elapsed().as_secs_f64();
    all.sort_by_key(|(index, _)| *index);
    Ok(Seeded {
        ids: all.into_iter().map(|(_, id)| id).collect(),
        seconds,
        errors: errors.load(Ordering::Relaxed),
    })
}

// ---------------------------------------------------------------------------------------
// Throughput scenarios

/// One request of a scenario.
struct Call {
    method: Method,
    path: String,
    token: Option<Arc<str>>,
    body: Option<Bytes>,
}

/// Builds the `n`-th request of a worker (`worker`, `n`, the worker's PRNG).
type MakeCall = Arc<dyn Fn(usize, u64, &mut Rng) -> Call + Send + Sync>;

#[derive(Default)]
struct LoadResult {
    ok: u64,
    errors: u64,
    seconds: f64,
    /// Latencies of successful requests in microseconds, sorted.
    latencies_us: Vec<u32>,
    server_cpu_seconds: f64,
    first_error: Option<String>,
}

impl LoadResult {
    fn rate(&self) -> f64 {
        self.ok as f64 / self.seconds.max(1e-9)
    }

    fn percentile_ms(&self, p: f64) -> f64 {
        percentile_ms(&self.latencies_us, p)
    }

    fn cpu_us_per_request(&self) -> f64 {
        self.server_cpu_seconds * 1e6 / (self.ok.max(1) as f64)
    }
}

fn percentile_ms(sorted_us: &[u32], p: f64) -> f64 {
    if sorted_us.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted_us.len() as f64).ceil() as usize;
    f64::from(sorted_us[rank.clamp(1, sorted_us.len()) - 1]) / 1000.0
}

/// Runs `concurrency` workers, each on its own keep-alive connection, until `duration`
/// passes or `max_requests` were sent; a request answered with another status than
/// `expect` counts as an error.
async fn run_load(
    addr: SocketAddr,
    concurrency: usize,
    duration: Duration,
    max_requests: u64,
    expect: u16,
    make: &MakeCall,
) -> Result<LoadResult> {
    let issued = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let deadline = start + duration;
    let mut tasks = Vec::new();
    for worker in 0..concurrency {
        let (issued, make) = (issued.clone(), make.clone());
        tasks.push(tokio::spawn(async move {
            let mut result = LoadResult::default();
            let mut rng = Rng::new(worker as u64 + 1);
            let mut client = Client::connect(addr).await?;
            let mut n = 0;
            while Instant::now() < deadline && issued.fetch_add(1, Ordering::Relaxed) < max_requests
            {
                let call = make(worker, n, &mut rng);
                n += 1;
                let sent = Instant::now();
                let answer = client
                    .send(call.method, &call.path, call.token.as_deref(), call.body)
                    .await;
                let micros = sent.elapsed().as_micros().min(u128::from(u32::MAX)) as u32;
                match answer {
                    Ok((status, _)) if status == expect => {
                        result.ok += 1;
                        result.latencies_us.push(micros);
                    }
                    Ok((status, body)) => {
                        result.errors += 1;
                        result.first_error.get_or_insert_with(|| {
                            format!("{status}: {}", String::from_utf8_lossy(&body))
                        });
                    }
                    Err(error) => {
                        result.errors += 1;
                        result
                            .first_error
                            .get_or_insert_with(|| format!("{error:#}"));
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                }
            }
            Ok::<_, anyhow::Error>(result)
        }));
    }
    let mut total = LoadResult::default();
    for task in tasks {
        let part = task.await??;
        total.ok += part.ok;
        total.errors += part.errors;
        total.latencies_us.extend(part.latencies_us);
        if total.first_error.is_none() {
            total.first_error = part.first_error;
        }
    }
    total.seconds = start.elapsed().as_secs_f64();
    total.latencies_us.sort_unstable();
    Ok(total)
}

struct Scenario {
    key: &'static str,
    label: &'static str,
    concurrency: usize,
    expect: u16,
    make: MakeCall,
}

/// The throughput scenarios in run order: reads first, so that every server answers them
/// over the same seeded rows, then the creates (which add rows at each server's own pace).
fn scenarios(users: &Arc<Vec<User>>, ids: &Arc<Vec<String>>) -> Vec<Scenario> {
    let create = |users: Arc<Vec<User>>| -> MakeCall {
        let tokens: Arc<Vec<Arc<str>>> =
            Arc::new(users.iter().map(|u| Arc::from(u.token.as_str())).collect());
        Arc::new(move |worker, _n, rng| {
            let index = worker % users.len();
            // A random number rather than the worker's counter, so that new posts get the
            // seed's `score` spread (a low counter would give them all low scores).
            let number = 1_000_000 + rng.below(1_000_000);
            Call {
                method: Method::POST,
                path: "/api/collections/posts/records".into(),
                token: Some(tokens[index].clone()),
                body: Some(Bytes::from(post_body(number, &users[index].id).to_string())),
            }
        })
    };
    let get = |make_path: Box<dyn Fn(&mut Rng) -> String + Send + Sync>| -> MakeCall {
        Arc::new(move |_worker, _n, rng| Call {
            method: Method::GET,
            path: make_path(rng),
            token: None,
            body: None,
        })
    };
    let view_ids = ids.clone();
    let auth_users = users.clone();
    vec![
        Scenario {
            key: "view_c32",
            label: "view post by id, c32",
            concurrency: 32,
            expect: 200,
            make: get(Box::new(move |rng| {
                let id = &view_ids[rng.below(view_ids.len() as u64) as usize];
                format!("/api/collections/posts/records/{id}")
            })),
        },
        Scenario {
            key: "list_totals_c32",
            label: "list filter+sort, page 1-20, totals, c32",
            concurrency: 32,
            expect: 200,
            make: get(Box::new(|rng| {
                format!(
                    "/api/collections/posts/records?page={}&{LIST_QUERY}",
                    1 + rng.below(20)
                )
            })),
        },
        Scenario {
            key: "list_skiptotal_c32",
            label: "list filter+sort, page 1-20, skipTotal, c32",
            concurrency: 32,
            expect: 200,
            make: get(Box::new(|rng| {
                format!(
                    "/api/collections/posts/records?page={}&{LIST_QUERY}&skipTotal=1",
                    1 + rng.below(20)
                )
            })),
        },
        Scenario {
            key: "list_expand_c32",
            label: "list 30 + expand=author, skipTotal, c32",
            concurrency: 32,
            expect: 200,
            make: get(Box::new(|rng| {
                format!(
                    "/api/collections/posts/records?page={}&perPage=30&sort=-created&expand=author&skipTotal=1",
                    1 + rng.below(20)
                )
            })),
        },
        Scenario {
            key: "auth_password_c4",
            label: "auth-with-password (bcrypt), c4",
            concurrency: 4,
            expect: 200,
            make: Arc::new(move |_worker, _n, rng| {
                let user = &auth_users[rng.below(auth_users.len() as u64) as usize];
                Call {
                    method: Method::POST,
                    path: "/api/collections/users/auth-with-password".into(),
                    token: None,
                    body: Some(Bytes::from(
                        json!({"identity": user.email, "password": USER_PASSWORD}).to_string(),
                    )),
                }
            }),
        },
        Scenario {
            key: "create_c16",
            label: "create post as user (rule), c16",
            concurrency: 16,
            expect: 200,
            make: create(users.clone()),
        },
        Scenario {
            key: "create_c64",
            label: "create post as user (rule), c64",
            concurrency: 64,
            expect: 200,
            make: create(users.clone()),
        },
    ]
}

// ---------------------------------------------------------------------------------------
// Realtime fan-out

#[derive(Default)]
struct RealtimeResult {
    subscribers: usize,
    events: usize,
    delivered: usize,
    /// Create sent -> event parsed at a subscriber, microseconds, sorted.
    latencies_us: Vec<u32>,
    /// Per create: the latency of its last delivery, microseconds, sorted.
    last_delivery_us: Vec<u32>,
}

/// Parses SSE bytes into `(event name, data)` pairs; keeps a partial event in `buffer`.
fn drain_events(buffer: &mut String, out: &mut Vec<(String, String)>) {
    while let Some(end) = buffer.find("\n\n") {
        let block: String = buffer.drain(..end + 2).collect();
        let (mut name, mut data) = (String::new(), String::new());
        for line in block.lines() {
            if let Some(rest) = line.strip_prefix("event:") {
                name = rest.trim_start().to_string();
            } else if let Some(rest) = line.strip_prefix("data:") {
                data.push_str(rest.trim_start());
            }
        }
        if !name.is_empty() {
            out.push((name, data));
        }
    }
}

/// One SSE subscriber: sends its client id on `ready`, then records `(seq, instant)` for
/// every `posts` create whose title is `rt <seq>`, until `stop_at`.
async fn subscriber(
    addr: SocketAddr,
    ready: tokio::sync::mpsc::Sender<String>,
    received: Arc<Mutex<Vec<(usize, Instant)>>>,
    stop_at: Instant,
) -> Result<()> {
    let mut client = Client::connect(addr).await?;
    let mut request = client.build(Method::GET, "/api/realtime", None, None)?;
    request.headers_mut().insert(
        header::ACCEPT,
        header::HeaderValue::from_static("text/event-stream"),
    );
    let response = tokio::time::timeout(
        REQUEST_TIMEOUT,
        client.sender().await?.send_request(request),
    )
    .await??;
    if response.status() != 200 {
        bail!("GET /api/realtime answered {}", response.status());
    }
    let mut body = response.into_body();
    let mut buffer = String::new();
    let mut events = Vec::new();
    let mut ready = Some(ready);
    loop {
        let remaining = stop_at.saturating_duration_since(Instant::now());
        let Ok(frame) = tokio::time::timeout(remaining, body.frame()).await else {
            return Ok(());
        };
        let Some(frame) = frame else {
            return Ok(());
        };
        let Ok(data) = frame?.into_data() else {
            continue;
        };
        let now = Instant::now();
        buffer.push_str(&String::from_utf8_lossy(&data));
        drain_events(&mut buffer, &mut events);
        for (name, data) in events.drain(..) {
            if name == "PB_CONNECT" {
                let value: Value = serde_json::from_str(&data)?;
                let id = value["clientId"].as_str().unwrap_or_default().to_string();
                if let Some(ready) = ready.take() {
                    ready.send(id).await?;
                }
                continue;
            }
            let value: Value = serde_json::from_str(&data).unwrap_or(Value::Null);
            if let Some(seq) = value["record"]["title"]
                .as_str()
                .and_then(|title| title.strip_prefix("rt "))
                .and_then(|seq| seq.parse::<usize>().ok())
                && let Ok(mut list) = received.lock()
            {
                list.push((seq, now));
            }
        }
    }
}

async fn run_realtime(
    addr: SocketAddr,
    subscribers: usize,
    events: usize,
    user: &User,
) -> Result<RealtimeResult> {
    let received = Arc::new(Mutex::new(Vec::with_capacity(subscribers * events)));
    // Every subscriber stops by itself at this instant at the latest.
    let stop_at = Instant::now() + Duration::from_secs(60);
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel(subscribers);
    let mut tasks = Vec::new();
    for _ in 0..subscribers {
        tasks.push(tokio::spawn(subscriber(
            addr,
            ready_tx.clone(),
            received.clone(),
            stop_at,
        )));
    }
    drop(ready_tx);
    let mut client_ids = Vec::new();
    while client_ids.len() < subscribers {
        match tokio::time::timeout(Duration::from_secs(15), ready_rx.recv()).await {
            Ok(Some(id)) => client_ids.push(id),
            _ => bail!(
                "only {} of {subscribers} realtime clients connected",
                client_ids.len()
            ),
        }
    }
    let mut client = Client::connect(addr).await?;
    for id in &client_ids {
        client
            .must(
                Method::POST,
                "/api/realtime",
                None,
                Some(&json!({"clientId": id, "subscriptions": ["posts/*"]})),
                204,
            )
            .await?;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    let mut sent_at = Vec::with_capacity(events);
    for seq in 0..events {
        let mut body = post_body(seq as u64, &user.id);
        body["title"] = json!(format!("rt {seq}"));
        sent_at.push(Instant::now());
        client
            .must(
                Method::POST,
                "/api/collections/posts/records",
                Some(&user.token),
                Some(&body),
                200,
            )
            .await?;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let expected = subscribers * events;
    let wait_until = Instant::now() + Duration::from_secs(10);
    while Instant::now() < wait_until {
        if received.lock().map_or(0, |list| list.len()) >= expected {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for task in &tasks {
        task.abort();
    }
    let received = received.lock().map_err(|_| anyhow!("poisoned"))?.clone();
    let mut result = RealtimeResult {
        subscribers,
        events,
        delivered: received.len(),
        ..RealtimeResult::default()
    };
    let mut last = vec![0u32; events];
    for (seq, at) in received {
        let Some(sent) = sent_at.get(seq) else {
            continue;
        };
        let micros = at
            .saturating_duration_since(*sent)
            .as_micros()
            .min(u128::from(u32::MAX)) as u32;
        result.latencies_us.push(micros);
        last[seq] = last[seq].max(micros);
    }
    result.latencies_us.sort_unstable();
    last.sort_unstable();
    result.last_delivery_us = last;
    Ok(result)
}

// ---------------------------------------------------------------------------------------
// One server's run

/// A figure of one server, keyed by row key.
type Figures = BTreeMap<String, f64>;

struct ServerReport {
    figures: Figures,
    details: Value,
}

/// One server under test and what the benchmark learned about it so far.
struct Target {
    name: &'static str,
    server: Server,
    client: Client,
    users: Arc<Vec<User>>,
    ids: Arc<Vec<String>>,
    figures: Figures,
    details: serde_json::Map<String, Value>,
    scenario_details: serde_json::Map<String, Value>,
}

impl Target {
    async fn start(name: &'static str, bin: &Path, settings: &Settings) -> Result<Target> {
        let mut details = serde_json::Map::new();
        details.insert("binary".into(), json!(bin.display().to_string()));
        details.insert(
            "version".into(),
            json!(command_output(&bin.display().to_string(), &["--version"])),
        );
        let server = Server::start(name, bin, &settings.out).await?;
        let client = Client::connect(server.addr).await?;
        Ok(Target {
            name,
            server,
            client,
            users: Arc::new(Vec::new()),
            ids: Arc::new(Vec::new()),
            figures: Figures::new(),
            details,
            scenario_details: serde_json::Map::new(),
        })
    }

    /// Idle memory, schema, users, posts; data dir size and memory after the seed.
    async fn seed(&mut self, settings: &Settings, ticks: f64) -> Result<()> {
        let (name, addr) = (self.name, self.server.addr);
        let (rss, _) = self.server.memory_kib()?;
        self.figures
            .insert("rss_idle_mb".into(), rss as f64 / 1024.0);
        create_schema(&mut self.client).await?;
        let started = Instant::now();
        self.users = Arc::new(seed_users(addr, settings.users).await?);
        println!(
            "   {name}: {} users created and logged in in {:.1} s",
            self.users.len(),
            started.elapsed().as_secs_f64()
        );
        let cpu_before = self.server.cpu_seconds(ticks)?;
        let seeded = seed_posts(
            addr,
            &self.users,
            settings.records,
            settings.seed_concurrency,
            settings.seed_deadline,
        )
        .await?;
        let seed_cpu = self.server.cpu_seconds(ticks)? - cpu_before;
        let seed_peak = self.server.take_peak_kib()? as f64 / 1024.0;
        self.figures.insert("seed_peak_rss".into(), seed_peak);
        println!(
            "   {name}: seeded {} posts in {:.1} s ({:.0}/s, {} errors)",
            seeded.ids.len(),
            seeded.seconds,
            seeded.ids.len() as f64 / seeded.seconds,
            seeded.errors
        );
        if seeded.ids.is_empty() {
            bail!("{name}: no post was created");
        }
        let count = seeded.ids.len() as f64;
        self.figures.insert("seed_seconds".into(), seeded.seconds);
        self.figures
            .insert("seed_rate".into(), count / seeded.seconds.max(1e-9));
        self.figures
            .insert("seed_cpu_us".into(), seed_cpu * 1e6 / count);
        self.details
            .insert("seeded".into(), json!(seeded.ids.len()));
        self.details
            .insert("seed_errors".into(), json!(seeded.errors));
        tokio::time::sleep(Duration::from_secs(1)).await;
        self.figures.insert(
            "disk_after_seed_mb".into(),
            dir_size(&self.server.dir) as f64 / 1e6,
        );
        let (rss_seeded, _) = self.server.memory_kib()?;
        self.figures
            .insert("rss_after_seed_mb".into(), rss_seeded as f64 / 1024.0);
        // The same filter must find the same rows on both servers.
        let page = self
            .client
            .must(
                Method::GET,
                &format!("/api/collections/posts/records?page=1&{LIST_QUERY}"),
                None,
                None,
                200,
            )
            .await?;
        self.details
            .insert("list_total_items".into(), page["totalItems"].clone());
        self.ids = Arc::new(seeded.ids);
        Ok(())
    }

    /// Warm-up, then the measured run of the `index`-th scenario.
    async fn run_scenario(&mut self, index: usize, settings: &Settings, ticks: f64) -> Result<()> {
        let all = scenarios(&self.users, &self.ids);
        let scenario = all
            .get(index)
            .ok_or_else(|| anyhow!("no scenario {index}"))?;
        let addr = self.server.addr;
        run_load(
            addr,
            scenario.concurrency,
            settings.duration / 10,
            u64::MAX,
            scenario.expect,
            &scenario.make,
        )
        .await?;
        self.server.take_peak_kib()?;
        let cpu_before = self.server.cpu_seconds(ticks)?;
        // Bounded by time and by count (far above what 2 cores can serve).
        let mut result = run_load(
            addr,
            scenario.concurrency,
            settings.duration,
            20_000_000,
            scenario.expect,
            &scenario.make,
        )
        .await?;
        result.server_cpu_seconds = self.server.cpu_seconds(ticks)? - cpu_before;
        let peak_mib = self.server.take_peak_kib()? as f64 / 1024.0;
        println!(
            "   {:<10} {:>9.0} req/s  p50 {:>7.2} ms  p99 {:>7.2} ms  cpu {:>6.0} us/req  peak RSS {:>5.0} MiB  errors {}",
            self.name,
            result.rate(),
            result.percentile_ms(50.0),
            result.percentile_ms(99.0),
            result.cpu_us_per_request(),
            peak_mib,
            result.errors
        );
        if let Some(error) = &result.first_error {
            println!(
                "     first error: {}",
                error.chars().take(300).collect::<String>()
            );
        }
        let key = scenario.key;
        self.figures.insert(format!("{key}.rps"), result.rate());
        self.figures
            .insert(format!("{key}.p50"), result.percentile_ms(50.0));
        self.figures
            .insert(format!("{key}.p99"), result.percentile_ms(99.0));
        self.figures
            .insert(format!("{key}.cpu"), result.cpu_us_per_request());
        self.figures.insert(format!("{key}.peak_rss"), peak_mib);
        self.scenario_details.insert(
            key.into(),
            json!({
                "label": scenario.label,
                "concurrency": scenario.concurrency,
                "ok": result.ok,
                "errors": result.errors,
                "seconds": result.seconds,
                "requests_per_second": result.rate(),
                "p50_ms": result.percentile_ms(50.0),
                "p90_ms": result.percentile_ms(90.0),
                "p99_ms": result.percentile_ms(99.0),
                "max_ms": result.percentile_ms(100.0),
                "server_cpu_seconds": result.server_cpu_seconds,
                "server_cpu_us_per_request": result.cpu_us_per_request(),
                "peak_rss_mib": peak_mib,
                "first_error": result.first_error,
            }),
        );
        Ok(())
    }

    async fn realtime(&mut self, settings: &Settings) -> Result<()> {
        self.server.take_peak_kib()?;
        let user = self.users.first().ok_or_else(|| anyhow!("no users"))?;
        let realtime = run_realtime(
            self.server.addr,
            settings.subscribers,
            settings.realtime_events,
            user,
        )
        .await?;
        let peak_mib = self.server.take_peak_kib()? as f64 / 1024.0;
        self.figures.insert("rt.peak_rss".into(), peak_mib);
        let expected = realtime.subscribers * realtime.events;
        println!(
            "   {:<10} delivered {}/{}, p50 {:.2} ms, p99 {:.2} ms, last-subscriber p99 {:.2} ms, peak RSS {peak_mib:.0} MiB",
            self.name,
            realtime.delivered,
            expected,
            percentile_ms(&realtime.latencies_us, 50.0),
            percentile_ms(&realtime.latencies_us, 99.0),
            percentile_ms(&realtime.last_delivery_us, 99.0),
        );
        let figures = &mut self.figures;
        figures.insert("rt.p50".into(), percentile_ms(&realtime.latencies_us, 50.0));
        figures.insert("rt.p99".into(), percentile_ms(&realtime.latencies_us, 99.0));
        figures.insert(
            "rt.last_p99".into(),
            percentile_ms(&realtime.last_delivery_us, 99.0),
        );
        figures.insert(
            "rt.delivered".into(),
            100.0 * realtime.delivered as f64 / expected.max(1) as f64,
        );
        self.details.insert(
            "realtime".into(),
            json!({
                "subscribers": realtime.subscribers,
                "creates": realtime.events,
                "delivered": realtime.delivered,
                "expected": expected,
                "p50_ms": percentile_ms(&realtime.latencies_us, 50.0),
                "p99_ms": percentile_ms(&realtime.latencies_us, 99.0),
                "max_ms": percentile_ms(&realtime.latencies_us, 100.0),
                "last_subscriber_p50_ms": percentile_ms(&realtime.last_delivery_us, 50.0),
                "last_subscriber_p99_ms": percentile_ms(&realtime.last_delivery_us, 99.0),
                "peak_rss_mib": peak_mib,
            }),
        );
        Ok(())
    }

    /// Memory at the end, a graceful stop, and the data dir size after it.
    async fn finish(mut self) -> Result<ServerReport> {
        let (rss_end, _) = self.server.memory_kib()?;
        self.server.take_peak_kib()?;
        self.figures
            .insert("rss_end_mb".into(), rss_end as f64 / 1024.0);
        self.figures
            .insert("rss_peak_mb".into(), self.server.peak_kib as f64 / 1024.0);
        let total = self
            .client
            .must(
                Method::GET,
                "/api/collections/posts/records?perPage=1",
                None,
                None,
                200,
            )
            .await?;
        self.details
            .insert("posts_at_end".into(), total["totalItems"].clone());
        // Every file of the data dir while still running (a long WAL shows here).
        let files: serde_json::Map<String, Value> = std::fs::read_dir(&self.server.dir)?
            .flatten()
            .filter_map(|entry| {
                let meta = entry.metadata().ok()?;
                meta.is_file().then(|| {
                    (
                        entry.file_name().to_string_lossy().into_owned(),
                        json!(meta.len()),
                    )
                })
            })
            .collect();
        self.details
            .insert("data_files_before_stop".into(), Value::Object(files));
        self.server.stop()?;
        self.figures.insert(
            "disk_end_mb".into(),
            dir_size(&self.server.dir) as f64 / 1e6,
        );
        self.details
            .insert("scenarios".into(), Value::Object(self.scenario_details));
        Ok(ServerReport {
            figures: self.figures,
            details: Value::Object(self.details),
        })
    }
}

/// Both servers run side by side (one idles while the other is measured) and every step
/// alternates between them, so that noise from the rest of the machine lands on both.
async fn bench_all(
    servers: &[(&'static str, PathBuf)],
    settings: &Settings,
    ticks: f64,
) -> Result<BTreeMap<&'static str, ServerReport>> {
    let mut targets = Vec::new();
    for (name, bin) in servers {
        println!("== {name}: starting {}", bin.display());
        targets.push(
            Target::start(name, bin, settings)
                .await
                .with_context(|| format!("starting {name}"))?,
        );
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    println!(
        "== seed: {} users, {} posts",
        settings.users, settings.records
    );
    for target in &mut targets {
        target
            .seed(settings, ticks)
            .await
            .with_context(|| format!("seeding {}", target.name))?;
    }
    let labels: Vec<&str> = scenarios(&Arc::new(Vec::new()), &Arc::new(Vec::new()))
        .iter()
        .map(|scenario| scenario.label)
        .collect();
    for (index, label) in labels.iter().enumerate() {
        println!("== {label}");
        for target in &mut targets {
            target
                .run_scenario(index, settings, ticks)
                .await
                .with_context(|| format!("{label} on {}", target.name))?;
        }
    }
    println!(
        "== realtime: {} SSE subscribers x {} creates",
        settings.subscribers, settings.realtime_events
    );
    for target in &mut targets {
        target
            .realtime(settings)
            .await
            .with_context(|| format!("realtime on {}", target.name))?;
    }
    let mut reports = BTreeMap::new();
    for target in targets {
        let name = target.name;
        reports.insert(name, target.finish().await?);
    }
    Ok(reports)
}

// ---------------------------------------------------------------------------------------
// The report

/// `(key, label, unit, better)` of every row, in table order.
fn rows(settings: &Settings) -> Vec<(String, String, &'static str, &'static str)> {
    let mut rows = vec![
        (
            "seed_seconds".into(),
            format!(
                "seed {} posts, c{}",
                settings.records, settings.seed_concurrency
            ),
            "s",
            "lower",
        ),
        ("seed_rate".into(), "seed rate".into(), "rec/s", "higher"),
        (
            "seed_cpu_us".into(),
            "seed server CPU per record".into(),
            "us",
            "lower",
        ),
        (
            "disk_after_seed_mb".into(),
            "data dir after seed (live, with WAL)".into(),
            "MB",
            "lower",
        ),
        (
            "disk_end_mb".into(),
            "data dir at the end, after shutdown".into(),
            "MB",
            "lower",
        ),
        (
            "rss_idle_mb".into(),
            "RSS idle after start".into(),
            "MiB",
            "lower",
        ),
        (
            "rss_after_seed_mb".into(),
            "RSS after seed".into(),
            "MiB",
            "lower",
        ),
        (
            "seed_peak_rss".into(),
            "peak RSS during the seed".into(),
            "MiB",
            "lower",
        ),
        (
            "rss_peak_mb".into(),
            "peak RSS (VmHWM) over the run".into(),
            "MiB",
            "lower",
        ),
    ];
    let labels: Vec<(&str, &str)> = scenarios(&Arc::new(Vec::new()), &Arc::new(Vec::new()))
        .iter()
        .map(|s| (s.key, s.label))
        .collect();
    for (key, label) in labels {
        rows.push((
            format!("{key}.rps"),
            format!("{label}: throughput"),
            "req/s",
            "higher",
        ));
        rows.push((format!("{key}.p50"), format!("{label}: p50"), "ms", "lower"));
        rows.push((format!("{key}.p99"), format!("{label}: p99"), "ms", "lower"));
        rows.push((
            format!("{key}.cpu"),
            format!("{label}: server CPU"),
            "us/req",
            "lower",
        ));
        rows.push((
            format!("{key}.peak_rss"),
            format!("{label}: peak RSS"),
            "MiB",
            "lower",
        ));
    }
    let fanout = format!(
        "realtime {} SSE subscribers x {} creates",
        settings.subscribers, settings.realtime_events
    );
    rows.push(("rt.p50".into(), format!("{fanout}: p50"), "ms", "lower"));
    rows.push(("rt.p99".into(), format!("{fanout}: p99"), "ms", "lower"));
    rows.push((
        "rt.last_p99".into(),
        format!("{fanout}: p99 of last delivery"),
        "ms",
        "lower",
    ));
    rows.push((
        "rt.peak_rss".into(),
        format!("{fanout}: peak RSS"),
        "MiB",
        "lower",
    ));
    rows.push((
        "rt.delivered".into(),
        format!("{fanout}: delivered"),
        "%",
        "higher",
    ));
    rows
}

fn format_number(value: Option<f64>) -> String {
    match value {
        None => "-".into(),
        Some(v) if v.is_nan() => "-".into(),
        Some(v) if v.abs() >= 100.0 => format!("{v:.0}"),
        Some(v) if v.abs() >= 10.0 => format!("{v:.1}"),
        Some(v) => format!("{v:.2}"),
    }
}

fn main() {
    if let Err(error) = run() {
        eprintln!("error: {error:#}");
        std::process::exit(1);
    }
}

fn run() -> Result<()> {
    let settings = Settings::from_env()?;
    std::fs::create_dir_all(&settings.out)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let ticks = clock_ticks();
    let servers: Vec<(&'static str, PathBuf)> = [
        ("lifebase", settings.lifebase_bin.clone()),
        ("pocketbase", settings.pocketbase_bin.clone()),
    ]
    .into_iter()
    .filter(|(name, _)| settings.only.as_deref().is_none_or(|only| only == *name))
    .collect();
    let started = Instant::now();
    let load_before = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    if let Some(load) = load_before
        .split_whitespace()
        .next()
        .and_then(|first| first.parse::<f64>().ok())
        && load > 0.5
    {
        println!(
            "note: the 1-minute load average is {load:.2} before the run; other processes \
             compete for the CPUs and the figures will be noisier (both servers alike)"
        );
    }
    let reports = runtime.block_on(bench_all(&servers, &settings, ticks))?;
    let load_after = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();

    let figure = |server: &str, key: &str| {
        reports
            .get(server)
            .and_then(|report| report.figures.get(key).copied())
    };
    let mut table = String::from(
        "| measure | unit | better | lifebase | PocketBase | lifebase / PocketBase |\n\
         |---|---|---|---:|---:|---:|\n",
    );
    let mut json_rows = Vec::new();
    for (key, label, unit, better) in rows(&settings) {
        let lifebase = figure("lifebase", &key);
        let pocketbase = figure("pocketbase", &key);
        let ratio = match (lifebase, pocketbase) {
            (Some(a), Some(b)) if b != 0.0 && a.is_finite() && b.is_finite() => Some(a / b),
            _ => None,
        };
        table.push_str(&format!(
            "| {label} | {unit} | {better} | {} | {} | {} |\n",
            format_number(lifebase),
            format_number(pocketbase),
            ratio.map_or("-".into(), |r| format!("{r:.2}")),
        ));
        json_rows.push(json!({
            "key": key, "label": label, "unit": unit, "better": better,
            "lifebase": lifebase.filter(|v| v.is_finite()),
            "pocketbase": pocketbase.filter(|v| v.is_finite()),
            "ratio": ratio,
        }));
    }
    let machine = json!({
        "nproc": std::thread::available_parallelism().map_or(0, |n| n.get()),
        "cpu": std::fs::read_to_string("/proc/cpuinfo").ok().and_then(|text| {
            text.lines()
                .find_map(|line| line.strip_prefix("model name"))
                .map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_string())
        }),
        "memory": std::fs::read_to_string("/proc/meminfo").ok().and_then(|text| {
            text.lines().next().map(|line| line.split_whitespace().skip(1).collect::<Vec<_>>().join(" "))
        }),
        "kernel": command_output("uname", &["-r"]),
        "loadavg_before": load_before.trim(),
        "loadavg_after": load_after.trim(),
    });
    let result = json!({
        "date": chrono::Utc::now().to_rfc3339(),
        "lifebase_commit": command_output("git", &["-C", env!("CARGO_MANIFEST_DIR"), "rev-parse", "--short", "HEAD"]),
        "machine": machine,
        "settings": settings.to_json(),
        "seconds": started.elapsed().as_secs_f64(),
        "servers": reports.iter().map(|(name, report)| (name.to_string(), report.details.clone())).collect::<serde_json::Map<_, _>>(),
        "rows": json_rows,
    });
    let totals: Vec<String> = reports
        .iter()
        .map(|(name, report)| format!("{name} {}", report.details["list_total_items"]))
        .collect();
    println!(
        "\nlist filter totalItems after seed (should match): {}",
        totals.join(", ")
    );
    println!("\n{table}");
    std::fs::write(
        settings.out.join("results.json"),
        serde_json::to_string_pretty(&result)?,
    )?;
    std::fs::write(settings.out.join("results.md"), &table)?;
    println!(
        "wrote {} and results.md in {:.0} s",
        settings.out.join("results.json").display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
