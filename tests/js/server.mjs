// Starts the server binary under test the same way the Rust harness does
// (tests/common/mod.rs): a fresh temp data dir, `superuser upsert`, `serve` on a free
// 127.0.0.1 port, a bounded wait for GET /api/health = 200, and a kill on stop().
//
// Environment:
//   LB_TEST_URL  use an already running server instead (with LB_TEST_EMAIL / LB_TEST_PASSWORD)
//   LB_TEST_BIN  the binary to start (default: <repo>/target/debug/lifebase); a real
//                `pocketbase` works too, for side-by-side checks
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, openSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname, resolve, basename } from "node:path";
import { fileURLToPath } from "node:url";
import net from "node:net";

const here = dirname(fileURLToPath(import.meta.url));
const START_TIMEOUT_MS = 15_000;

export const SUPERUSER_EMAIL = process.env.LB_TEST_EMAIL || "root@example.com";
export const SUPERUSER_PASSWORD = process.env.LB_TEST_PASSWORD || "Sup3r-secret-pass";

export function binary() {
  return process.env.LB_TEST_BIN || resolve(here, "..", "..", "target", "debug", "lifebase");
}

/** True when the binary under test is a real PocketBase (lifebase-only checks are skipped). */
export function isPocketBase() {
  return !process.env.LB_TEST_URL && basename(binary()).includes("pocketbase");
}

function freePort() {
  return new Promise((ok, fail) => {
    const s = net.createServer();
    s.on("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts a server and returns {url, email, password, stop()}.
 */
export async function startServer() {
  if (process.env.LB_TEST_URL) {
    return { url: process.env.LB_TEST_URL, email: SUPERUSER_EMAIL, password: SUPERUSER_PASSWORD, stop: async () => {} };
  }
  const bin = binary();
  const tmp = mkdtempSync(join(tmpdir(), "lifebase-js-"));
  const dataDir = join(tmp, "data");
  try {
    execFileSync(bin, ["superuser", "upsert", SUPERUSER_EMAIL, SUPERUSER_PASSWORD, "--dir", dataDir], {
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 30_000,
    });
  } catch (e) {
    throw new Error(`\`${bin} superuser upsert\` failed: ${e.message}\n${e.stderr ?? ""}`);
  }
  const port = await freePort();
  const errPath = join(tmp, "server.err");
  const child = spawn(bin, ["serve", "--http", `127.0.0.1:${port}`, "--dir", dataDir], {
    stdio: ["ignore", openSync(join(tmp, "server.out"), "w"), openSync(errPath, "w")],
  });
  let exited = null;
  child.on("exit", (code, signal) => (exited = `exit code ${code}, signal ${signal}`));
  const kill = () => {
    if (exited === null) child.kill("SIGKILL");
  };
  process.on("exit", kill);

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (exited !== null) break;
    try {
      const r = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(1000) });
      if (r.status === 200) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) break;
    await sleep(50);
  }
  if (exited !== null || Date.now() > deadline) {
    kill();
    const stderr = readFileSync(errPath, "utf8");
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(
      `server ${bin} did not answer GET ${url}/api/health = 200 within ${START_TIMEOUT_MS} ms` +
        ` (${exited ?? "still running"})\n--- server stderr ---\n${stderr}`,
    );
  }
  return {
    url,
    email: SUPERUSER_EMAIL,
    password: SUPERUSER_PASSWORD,
    stderr: () => readFileSync(errPath, "utf8"),
    async stop() {
      kill();
      const until = Date.now() + 5000;
      while (exited === null && Date.now() < until) await sleep(20);
      process.off("exit", kill);
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}
