// The collections pages of the admin UI in real headless Chromium: create `posts` with the
// schema editor (several field types, a relation to users, a list rule whose live check
// first shows an error and then a ✓), see it in the sidebar, the delete confirmation on the
// overview, and the editor on a phone-sized screen without sideways scrolling.
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

/** Adds a field of `type` with the editor and names it; returns the field's card. */
async function addField(page, type, name) {
  const cards = page.locator("#field-list > li");
  const before = await cards.count();
  await page.getByLabel("New field type").selectOption(type);
  await page.getByRole("button", { name: "+ Add field" }).click();
  await cards.nth(before).waitFor();
  const card = cards.nth(before);
  const input = card.locator("input.field-name");
  // The new field's name input has the focus.
  await assert.doesNotReject(() => input.evaluate((el) => {
    if (document.activeElement !== el) throw new Error("focus is elsewhere");
  }));
  await input.fill(name);
  return card;
}

test("create a collection with the schema editor", { skip }, async () => {
  const opened = await openBrowser({ width: 1280, height: 900 });
  browsers.push(opened);
  const { page, errors } = opened;
  await signIn(page, server);

  await page.getByRole("link", { name: "+ New collection" }).click();
  await page.waitForURL(`${server.url}/_/collections/new`);
  await page.getByRole("heading", { name: "New collection" }).waitFor();
  await page.getByLabel("Name", { exact: true }).fill("posts");

  const title = await addField(page, "text", "title");
  await title.getByLabel("Nonempty").check();
  await addField(page, "editor", "body");
  const views = await addField(page, "number", "views");
  await views.getByLabel("Integers only").check();
  await addField(page, "bool", "published");
  const tags = await addField(page, "select", "tags");
  await tags.getByLabel("Choices (comma-separated)").fill("news, tech, life");
  await tags.getByLabel("Max select").fill("3");
  const author = await addField(page, "relation", "author");
  await author.getByLabel("Collection", { exact: true }).selectOption({ label: "users" });

  // Reorder with the keyboard: move "author" up one place.
  await author.getByRole("button", { name: "Move up author" }).focus();
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => {
    const names = [...document.querySelectorAll("#field-list input.field-name")].map((i) => i.value);
    return names.at(-2) === "author";
  });
  assert.deepEqual(
    await page.evaluate(() => {
      const focused = document.activeElement;
      return [focused?.id.endsWith("-up"), focused?.closest(".field-card")?.querySelector("input.field-name")?.value];
    }),
    [true, "author"],
    "the moved field's button keeps the focus",
  );

  // The list rule: a typo shows the compiler's error next to the rule, the fix shows a ✓.
  const rule = page.locator("#rule-listRule");
  await rule.getByLabel("Superusers only").uncheck();
  const status = page.locator("#rule-listRule-status");
  await status.filter({ hasText: "Anyone (no rule)." }).waitFor();
  const expression = page.locator("#rule-listRule-expr");
  await expression.fill("publishd = true");
  await status.filter({ hasText: "Invalid rule." }).waitFor();
  assert.match(await status.innerText(), /publishd/);
  await rule.scrollIntoViewIfNeeded();
  await screenshot(page, "collections-rule-error");
  await expression.fill("published = true && views > 10");
  await status.filter({ hasText: "✓ Valid rule." }).waitFor();
  await screenshot(page, "collections-editor");

  await page.getByRole("button", { name: "Create collection" }).click();
  await page.waitForURL(`${server.url}/_/collections/posts/schema?saved=1`);
  await page.getByRole("status").filter({ hasText: "Collection saved." }).waitFor();
  // The sidebar lists the new collection.
  await page.locator("#sidebar").getByRole("link", { name: "base posts", exact: true }).waitFor();
  // The saved schema reads back.
  const names = await page.locator("#field-list input.field-name").evaluateAll((inputs) => inputs.map((i) => i.value));
  assert.deepEqual(names, ["created", "updated", "title", "body", "views", "published", "author", "tags"]);
  assert.equal(await page.locator("#rule-listRule-expr").inputValue(), "published = true && views > 10");

  // A save error is shown next to its input.
  await page.locator("#field-list input.field-name").nth(2).fill("bad name!");
  await page.getByRole("button", { name: "Save changes" }).click();
  await page.locator(".field-card .field-error").filter({ hasText: "Field name must contain only" }).waitFor();
  await page.getByRole("alert").filter({ hasText: "Failed to update collection." }).first().waitFor();
  await screenshot(page, "collections-save-error");

  // The overview: the delete confirmation names what is lost.
  await page.goto(`${server.url}/_/collections`);
  await page.getByRole("button", { name: "Delete collection posts" }).click();
  const dialog = page.getByRole("dialog", { name: "Delete collection?" });
  await dialog.waitFor();
  assert.match(await dialog.innerText(), /Delete collection posts and all its 0 records\?/);
  await screenshot(page, "collections-delete-dialog");
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await dialog.waitFor({ state: "hidden" });

  assert.deepEqual(errors, []);
});

test("the editor fits a phone-sized screen", { skip }, async () => {
  const opened = await openBrowser({ width: 390, height: 844 });
  browsers.push(opened);
  const { page, errors } = opened;
  await signIn(page, server);
  await page.goto(`${server.url}/_/collections/users/schema`);
  await page.getByRole("heading", { name: "Edit users" }).waitFor();
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `the page scrolls sideways (${width}px wide)`);
  await screenshot(page, "collections-editor-phone");
  await page.goto(`${server.url}/_/collections`);
  const overview = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(overview <= 390, `the overview scrolls sideways (${overview}px wide)`);
  assert.deepEqual(errors, []);
});
