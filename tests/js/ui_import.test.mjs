// The schema's export and import in real headless Chromium: the export page shows the
// collections JSON and copies it; a pasted collection is reviewed (what is created), then
// imported, and appears in the sidebar; the import page fits a phone-sized screen.
// lifebase-only (PocketBase's dashboard is a different application).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, isPocketBase } from "./server.mjs";
import { openBrowser, screenshot, signIn } from "./browser.mjs";

const skip = isPocketBase() && "lifebase-only: the admin UI";
let server;
const browsers = [];

before(async () => {
  if (skip) return;
  server = await startServer();
});

after(async () => {
  for (const opened of browsers) await opened.browser.close();
  await server?.stop();
});

test("export, then import a pasted collection after a review", { skip }, async () => {
  const opened = await openBrowser({ width: 1280, height: 900 });
  browsers.push(opened);
  const { page, context, errors } = opened;
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.url });
  await signIn(page, server);

  await page.getByRole("link", { name: "Export", exact: true }).click();
  await page.waitForURL(`${server.url}/_/collections/export`);
  const shown = JSON.parse(await page.locator("#export-json").textContent());
  assert.ok(shown.some((collection) => collection.name === "_superusers"));
  await page.getByRole("button", { name: "Copy" }).click();
  await page.getByRole("button", { name: "Copied" }).waitFor();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  assert.deepEqual(JSON.parse(copied), shown);

  await page.getByRole("link", { name: "Import…" }).click();
  await page.waitForURL(`${server.url}/_/collections/import`);
  // Bad JSON is an inline error.
  await page.getByLabel("Collections JSON").fill("[{");
  await page.getByRole("button", { name: "Review" }).click();
  await page.locator("#import-error").getByText("Invalid JSON").waitFor();

  const users = shown.find((collection) => collection.name === "users");
  const imported = [{
    name: "tasks",
    type: "base",
    listRule: "@request.auth.id != ''",
    fields: [
      { name: "title", type: "text", required: true },
      { name: "owner", type: "relation", collectionId: users.id, maxSelect: 1 },
    ],
  }];
  await page.getByLabel("Collections JSON").fill(JSON.stringify(imported, null, 2));
  await page.getByRole("button", { name: "Review" }).click();
  const review = page.locator("#import-review");
  await review.getByText("Create 1").waitFor();
  assert.match(await review.textContent(), /tasks/);
  assert.equal(await page.locator("#import-error").textContent(), "");
  await screenshot(page, "collections-import-review");

  await page.getByRole("button", { name: "Confirm import" }).click();
  await page.waitForURL(`${server.url}/_/collections?imported=1`);
  await page.getByText("Collections imported.").waitFor();
  await page.locator("#sidebar").getByRole("link", { name: "tasks" }).waitFor();
  assert.deepEqual(errors, []);
});

test("the import page on a phone-sized screen", { skip }, async () => {
  const opened = await openBrowser({ width: 390, height: 844 });
  browsers.push(opened);
  const { page, errors } = opened;
  await signIn(page, server);
  for (const path of ["/_/collections/import", "/_/collections/export"]) {
    await page.goto(`${server.url}${path}`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `${path} scrolls sideways by ${overflow}px`);
  }
  assert.deepEqual(errors, []);
});
