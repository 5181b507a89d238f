// The admin UI in real headless Chromium: sign-in (wrong password first), the shell,
// the Ctrl+K palette, the phone layout, sign-out. lifebase-only (PocketBase's dashboard
// is a different application).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, isPocketBase } from "./server.mjs";
import { openBrowser, screenshot, signIn } from "./browser.mjs";

const skip = isPocketBase() && "lifebase-only: the admin UI";
let server;
let browser;

before(async () => {
  if (skip) return;
  server = await startServer();
});

after(async () => {
  await browser?.browser.close();
  await server?.stop();
});

test("sign in, find a page with Ctrl+K, sign out", { skip }, async () => {
  browser = await openBrowser();
  const { page, errors } = browser;

  await page.goto(`${server.url}/_/`);
  await page.waitForURL(`${server.url}/_/login`);
  await page.getByLabel("Email").fill(server.email);
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("alert").filter({ hasText: "Invalid email or password." }).waitFor();
  await screenshot(page, "01-login-error");

  await signIn(page, server);
  await page.getByRole("heading", { name: "Collections" }).waitFor();
  const users = page.locator("#collections-table tr", { hasText: "users" }).first();
  assert.match(await users.innerText(), /auth/i);
  await screenshot(page, "02-collections");

  await page.keyboard.press("Control+k");
  const palette = page.getByRole("dialog", { name: "Go to" });
  await palette.waitFor();
  await page.keyboard.type("sett");
  await screenshot(page, "03-palette");
  await page.keyboard.press("Enter");
  await page.waitForURL(`${server.url}/_/settings`);

  await page.goto(`${server.url}/_/collections`);
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL(`${server.url}/_/login`);
  await page.goto(`${server.url}/_/collections`);
  await page.waitForURL(`${server.url}/_/login`);

  assert.deepEqual(errors, []);
});

test("the shell works on a phone-sized screen", { skip }, async () => {
  const phone = await openBrowser({ width: 390, height: 844 });
  try {
    const { page, errors } = phone;
    await signIn(page, server);
    const sidebar = page.locator("#sidebar");
    assert.equal(await sidebar.isVisible(), false);
    await page.getByRole("button", { name: "Menu" }).click();
    await sidebar.getByRole("link", { name: "auth users", exact: true }).waitFor();
    await screenshot(page, "04-phone-menu");
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `the page scrolls sideways (${width}px wide)`);
    assert.deepEqual(errors, []);
  } finally {
    await phone.browser.close();
  }
});
