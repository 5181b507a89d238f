// Headless Chromium for the admin UI tests, driven by playwright-core (no bundled browser:
// Debian's `chromium`, which tests/run.sh installs). Screenshots go to
// <repo>/artifacts/ui/ and CI keeps them.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { join, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
export const ARTIFACTS = resolve(here, "..", "..", "artifacts", "ui");

const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

export function chromiumPath() {
  return process.env.LB_CHROMIUM || "/usr/bin/chromium";
}

/**
 * Starts headless Chromium with one page of the given viewport. Every console error and
 * uncaught page error is collected in `errors`, so a test can assert there were none.
 */
export async function openBrowser({ width = 1280, height = 800 } = {}) {
  const browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: CHROMIUM_ARGS });
  const context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  const errors = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console: ${message.text()}`);
  });
  page.on("pageerror", (error) => errors.push(`page: ${error.message}`));
  page.setDefaultTimeout(10_000);
  return { browser, context, page, errors };
}

/** Saves a full-page screenshot as artifacts/ui/<name>.png. */
export async function screenshot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Signs in through the login page and waits for the collections overview. */
export async function signIn(page, server) {
  await page.goto(`${server.url}/_/login`);
  await page.getByLabel("Email").fill(server.email);
  await page.getByLabel("Password").fill(server.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${server.url}/_/collections`);
}
