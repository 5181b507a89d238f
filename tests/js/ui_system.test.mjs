// The admin UI's system pages in real headless Chromium: settings (rename the app and see
// the brand change, a rate-limit rule with a bad label shown inline and then fixed, the
// phone layout) and superusers (add one, sign in as them in a second browser context,
// delete them). lifebase-only (PocketBase's dashboard is a different application).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, isPocketBase } from "./server.mjs";
import { openBrowser, screenshot, signIn } from "./browser.mjs";

const skip = isPocketBase() && "lifebase-only: the admin UI";
let server;

before(async () => {
  if (skip) return;
  server = await startServer();
});

after(async () => {
  await server?.stop();
});

const flash = (page, text) => page.locator("#flash .message", { hasText: text }).first();

test("settings: rename the app, fix a bad rate-limit rule", { skip }, async () => {
  const { browser, page, errors } = await openBrowser();
  try {
    await signIn(page, server);
    await page.goto(`${server.url}/_/settings`);
    await page.getByRole("heading", { name: "Settings", level: 1 }).waitFor();
    await screenshot(page, "system-settings");

    await page.getByLabel("Application name").fill("Browser Co");
    await page.getByRole("button", { name: "Save application" }).click();
    await flash(page, "Settings saved.").waitFor();
    await page.locator(".topbar .brand", { hasText: "Browser Co" }).waitFor();
    assert.equal(await page.title(), "Settings · Browser Co");

    const section = page.locator("#section-rate-limits");
    const rows = section.locator("#rules-body tr");
    const before = await rows.count();
    await section.getByRole("button", { name: "+ Add rule" }).click();
    await rows.nth(before).waitFor();
    assert.equal(await rows.count(), before + 1);
    const row = rows.last();
    await row.getByLabel("Rule label").fill("bad label!");
    await row.getByLabel("Rule duration in seconds").fill("5");
    await row.getByLabel("Rule max requests").fill("10");
    await section.getByRole("button", { name: "Save rate limits" }).click();
    await row.locator(".field-error", { hasText: "Must be in a valid format." }).waitFor();
    await flash(page, "An error occurred while saving the new settings.").waitFor();
    await row.scrollIntoViewIfNeeded();
    await screenshot(page, "system-rate-limit-error");

    await row.getByLabel("Rule label").fill("/api/browser");
    await section.getByRole("button", { name: "Save rate limits" }).click();
    await flash(page, "Settings saved.").last().waitFor();
    await section.locator("input[name='rule.label'][value='/api/browser']").waitFor();
    assert.equal(await section.locator(".field-error:not(:empty)").count(), 0);

    await page.reload();
    await page.locator("#section-rate-limits input[name='rule.label'][value='/api/browser']").waitFor();
    assert.equal(await page.locator(".topbar .brand").innerText(), "Browser Co");

    // Removing a row is done in the page; saving makes it so.
    const saved = await rows.count();
    await rows.last().getByRole("button", { name: "Remove rule" }).click();
    assert.equal(await rows.count(), saved - 1);
    await section.getByRole("button", { name: "Save rate limits" }).click();
    await flash(page, "Settings saved.").waitFor();
    // Flash messages go away by themselves, without errors.
    await page.waitForFunction(() => document.querySelectorAll("#flash .message").length === 0, null, { timeout: 10_000 });
    await page.reload();
    assert.equal(await rows.count(), saved - 1);
    assert.equal(await section.locator("input[name='rule.label'][value='/api/browser']").count(), 0);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test("superusers: add one, sign in as them elsewhere, delete them", { skip }, async () => {
  const { browser, page, errors } = await openBrowser();
  try {
    await signIn(page, server);
    await page.goto(`${server.url}/_/superusers`);
    await page.getByRole("heading", { name: "Superusers" }).waitFor();
    await page.getByRole("button", { name: "+ New superuser" }).click();
    const dialog = page.getByRole("dialog", { name: "New superuser" });
    await dialog.waitFor();
    await dialog.getByLabel("Email").fill("helper@example.com");
    await dialog.getByLabel("Password", { exact: true }).fill("helper-pass-123");
    await dialog.getByLabel("Password confirm").fill("not the same");
    await dialog.getByRole("button", { name: "Create superuser" }).click();
    await dialog.locator("#error-new-passwordConfirm", { hasText: "match" }).waitFor();
    await screenshot(page, "system-superuser-error");
    await dialog.getByLabel("Password confirm").fill("helper-pass-123");
    await dialog.getByRole("button", { name: "Create superuser" }).click();
    await flash(page, "Superuser helper@example.com added.").waitFor();
    await dialog.waitFor({ state: "hidden" });
    const row = page.locator("#superusers-table tr", { hasText: "helper@example.com" });
    await row.waitFor();
    await screenshot(page, "system-superusers");

    // The new superuser signs in from another browser context.
    const other = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const second = await other.newPage();
    const otherErrors = [];
    second.on("console", (m) => m.type() === "error" && otherErrors.push(m.text()));
    await second.goto(`${server.url}/_/login`);
    await second.getByLabel("Email").fill("helper@example.com");
    await second.getByLabel("Password").fill("helper-pass-123");
    await second.getByRole("button", { name: "Sign in" }).click();
    await second.waitForURL(`${server.url}/_/collections`);
    await second.locator(".whoami", { hasText: "helper@example.com" }).waitFor();
    await screenshot(second, "system-signed-in-as-new-superuser");
    await other.close();
    assert.deepEqual(otherErrors, []);

    // Edit: the dialog comes filled in; a new email is saved and shown.
    await row.getByRole("button", { name: "Edit helper@example.com" }).click();
    const edit = page.getByRole("dialog", { name: "Edit superuser" });
    await edit.waitFor();
    assert.equal(await edit.getByLabel("Email").inputValue(), "helper@example.com");
    await edit.getByLabel("Email").fill("helper2@example.com");
    await edit.getByRole("button", { name: "Save changes" }).click();
    await flash(page, "Superuser saved.").waitFor();
    await edit.waitFor({ state: "hidden" });
    await page.locator("#superusers-table tr", { hasText: "helper2@example.com" }).waitFor();
    await page.getByRole("button", { name: "Edit helper2@example.com" }).click();
    await edit.waitFor();
    await edit.getByLabel("Email").fill("helper@example.com");
    await edit.getByRole("button", { name: "Save changes" }).click();
    await page.locator("#superusers-table tr", { hasText: "helper@example.com" }).waitFor();
    await edit.waitFor({ state: "hidden" });

    // Deleting oneself is refused; deleting the new one works after a confirmation.
    page.once("dialog", (d) => d.accept());
    await page.getByRole("button", { name: `Delete ${server.email}` }).click();
    await flash(page, "signed in as").waitFor();
    page.once("dialog", (d) => {
      assert.match(d.message(), /helper@example\.com/);
      d.accept();
    });
    await row.getByRole("button", { name: "Delete helper@example.com" }).click();
    await flash(page, "Superuser deleted.").waitFor();
    await row.waitFor({ state: "detached" });
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test("the settings page fits a phone-sized screen", { skip }, async () => {
  const { browser, page, errors } = await openBrowser({ width: 390, height: 844 });
  try {
    await signIn(page, server);
    await page.goto(`${server.url}/_/settings`);
    await page.getByRole("heading", { name: "Settings", level: 1 }).waitFor();
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `the page scrolls sideways (${width}px wide)`);
    await screenshot(page, "system-settings-phone");
    await page.goto(`${server.url}/_/superusers`);
    const superusersWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(superusersWidth <= 390, `the superusers page scrolls sideways (${superusersWidth}px wide)`);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
