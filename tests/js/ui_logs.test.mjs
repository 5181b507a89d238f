// The admin UI's request log page in headless Chromium: API requests show up, the
// filter box narrows to failures live, a bad filter shows its error, scrolling loads the
// next page, a row opens the entry's dialog with its data escaped, and the page fits a
// phone. lifebase-only (PocketBase's dashboard is a different application).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, isPocketBase } from "./server.mjs";
import { openBrowser, screenshot, signIn } from "./browser.mjs";

const skip = isPocketBase() && "lifebase-only: the admin UI";
const MARKUP_AGENT = `<img src=x onerror="window.__pwned=1">`;
let server;

/** Guest requests: successes, failures (one with markup in its User-Agent). */
async function makeRequests(count) {
  for (let i = 0; i < count; i++) {
    assert.equal((await fetch(`${server.url}/api/health?n=${i}`)).status, 200);
  }
  assert.equal((await fetch(`${server.url}/api/collections/nope/records`)).status, 404);
  const login = await fetch(`${server.url}/api/collections/users/auth-with-password`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ identity: "x@example.com", password: "wrong-pass" }),
  });
  assert.equal(login.status, 400);
  const markup = await fetch(`${server.url}/api/markup-probe`, { headers: { "user-agent": MARKUP_AGENT } });
  assert.equal(markup.status, 404);
}

/** Waits until the API lists at least `count` entries (the log writer batches). */
async function waitForLogs(count) {
  const auth = await fetch(`${server.url}/api/collections/_superusers/auth-with-password`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ identity: server.email, password: server.password }),
  });
  const { token } = await auth.json();
  const deadline = Date.now() + 15_000;
  for (;;) {
    const r = await fetch(`${server.url}/api/logs?perPage=500`, { headers: { Authorization: token } });
    const body = await r.json();
    if (body.items.length >= count) return;
    assert.ok(Date.now() < deadline, `only ${body.items.length} of ${count} log entries appeared`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

before(async () => {
  if (skip) return;
  server = await startServer();
  await makeRequests(60);
  await waitForLogs(63);
});

after(async () => {
  await server?.stop();
});

test("filter the request log, scroll for more, open an entry", { skip }, async () => {
  const { browser, page, errors } = await openBrowser();
  try {
    await signIn(page, server);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Logs" }).click();
    await page.waitForURL(`${server.url}/_/logs`);
    await page.getByRole("heading", { name: "Logs", exact: true }).waitFor();
    const rows = page.locator("#logs-rows tr");
    assert.equal(await rows.count(), 50);
    assert.equal(await rows.filter({ hasText: "/api/markup-probe" }).count(), 1);
    await page.locator("#logs-chart rect.logs-bar").first().waitFor();
    await screenshot(page, "logs-01-list");

    // Infinite scroll: the sentinel comes into view and the next page is appended.
    await page.locator("#logs-more").scrollIntoViewIfNeeded();
    await page.waitForFunction(() => document.querySelectorAll("#logs-rows tr").length > 50);
    await page.waitForFunction(() => !document.querySelector("#logs-more[data-on-intersect]"));
    const all = await rows.count();
    assert.ok(all >= 63, `all entries listed after scrolling (${all})`);

    // A bad filter: the error under the box.
    const filter = page.getByLabel("Filter", { exact: true });
    await filter.fill("data.status >=");
    const error = page.locator("#logs-filter-error");
    await error.filter({ hasText: "Invalid filter" }).waitFor();
    await screenshot(page, "logs-02-bad-filter");

    // Failures only, live as you type.
    await filter.fill("data.status >= 400");
    await page.waitForFunction(() => document.querySelectorAll("#logs-rows tr").length === 3);
    assert.equal(await error.innerText(), "");
    for (const text of await rows.allInnerTexts()) assert.match(text, /\b40\d\b/);
    assert.match(page.url(), /filter=data\.status/);
    await screenshot(page, "logs-03-errors");

    // The errors-only toggle gives the same rows without a filter.
    await filter.fill("");
    await page.waitForFunction(() => document.querySelectorAll("#logs-rows tr").length >= 50);
    await page.getByLabel("Errors only").check();
    await page.waitForFunction(() => document.querySelectorAll("#logs-rows tr").length === 3);

    // The detail dialog: the markup in the User-Agent is shown as text, never run.
    await rows.filter({ hasText: "/api/markup-probe" }).click();
    const dialog = page.getByRole("dialog", { name: /Log entry/ });
    await dialog.waitFor();
    const data = await dialog.locator(".log-data").innerText();
    assert.ok(data.includes(MARKUP_AGENT.replaceAll('"', '\\"')), data);
    assert.match(data, /"status": 404/);
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
    assert.equal(await dialog.locator("img").count(), 0);
    await screenshot(page, "logs-04-detail");
    await dialog.getByRole("button", { name: "Close" }).click();
    await dialog.waitFor({ state: "hidden" });

    // Refresh keeps the current filter and toggles.
    await page.getByRole("button", { name: "Refresh" }).click();
    await page.waitForFunction(() => document.querySelectorAll("#logs-rows tr").length === 3);

    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test("the log page fits a phone-sized screen", { skip }, async () => {
  const { browser, page, errors } = await openBrowser({ width: 390, height: 844 });
  try {
    await signIn(page, server);
    await page.goto(`${server.url}/_/logs?failed=1`);
    await page.locator("#logs-rows tr").first().waitFor();
    assert.equal(await page.locator("#logs-rows tr").count(), 3);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `the page scrolls sideways (${width}px wide)`);
    await screenshot(page, "logs-05-phone");
    await page.locator("#logs-rows tr").first().click();
    await page.getByRole("dialog", { name: /Log entry/ }).waitFor();
    const dialogWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(dialogWidth <= 390, `the dialog makes the page scroll sideways (${dialogWidth}px wide)`);
    await screenshot(page, "logs-06-phone-detail");
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
