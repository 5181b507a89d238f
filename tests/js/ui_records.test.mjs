// The admin UI's record browser in real headless Chromium (issue #5, "Records"): a
// collection made through the REST API with text/number/bool/select/relation/file fields
// and 120 seeded records; then, on its page: a record added through the form (with a
// relation picked and a file uploaded), a cell edited in place, a bad then a good filter,
// a header sort, infinite scroll, bulk delete with confirmation, and live rows for writes
// made through the REST API while the page is open. lifebase-only.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, isPocketBase } from "./server.mjs";
import { openBrowser, screenshot, signIn } from "./browser.mjs";

const skip = isPocketBase() && "lifebase-only: the admin UI";
let server;
let browser;
let token;

// A 2x2 PNG.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==",
  "base64",
);

async function api(method, path, body) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { Authorization: token, ...(body ? { "Content-Type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${path} -> ${response.status}: ${text}`);
  return text ? JSON.parse(text) : null;
}

before(async () => {
  if (skip) return;
  server = await startServer();
  const auth = await fetch(`${server.url}/api/collections/_superusers/auth-with-password`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ identity: server.email, password: server.password }),
  }).then((r) => r.json());
  token = auth.token;
  const authors = await api("POST", "/api/collections", {
    name: "authors",
    type: "base",
    fields: [{ name: "name", type: "text", presentable: true }],
  });
  await api("POST", "/api/collections/authors/records", { name: "Ada Lovelace" });
  await api("POST", "/api/collections/authors/records", { name: "Grace Hopper" });
  await api("POST", "/api/collections", {
    name: "posts",
    type: "base",
    fields: [
      { name: "title", type: "text", required: true },
      { name: "views", type: "number" },
      { name: "published", type: "bool" },
      { name: "tag", type: "select", values: ["news", "blog"], maxSelect: 1 },
      { name: "author", type: "relation", collectionId: authors.id, maxSelect: 1 },
      { name: "cover", type: "file", maxSelect: 1, maxSize: 100000 },
      { name: "created", type: "autodate", onCreate: true },
      { name: "updated", type: "autodate", onCreate: true, onUpdate: true },
    ],
  });
  for (let start = 0; start < 120; start += 20) {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => start + i).map((n) =>
        api("POST", "/api/collections/posts/records", {
          title: `seed ${String(n).padStart(3, "0")}`,
          views: n,
          published: n % 2 === 0,
          tag: n % 3 === 0 ? "news" : "blog",
        }),
      ),
    );
  }
});

after(async () => {
  await browser?.browser.close();
  await server?.stop();
});

test("browse, edit, filter, sort, scroll, bulk delete and live rows", { skip }, async () => {
  browser = await openBrowser();
  const { page, errors } = browser;
  await signIn(page, server);
  await page.goto(`${server.url}/_/collections/posts`);
  await page.getByRole("heading", { name: "posts" }).waitFor();
  const rows = page.locator("#rows tr[id^='row-']");
  assert.equal(await rows.count(), 50);
  assert.match(await page.locator("#total").innerText(), /120 records/);
  await screenshot(page, "records-01-table");

  // A record through the form: text, number, bool, select, relation picker, file.
  await page.getByRole("button", { name: "New record" }).click();
  const dialog = page.getByRole("dialog", { name: "New posts record" });
  await dialog.waitFor();
  await dialog.getByLabel("title").fill("From the form");
  await dialog.getByLabel("views").fill("7");
  await dialog.getByLabel("published").check();
  await dialog.getByLabel("tag").selectOption("news");
  await dialog.getByRole("searchbox", { name: /author/ }).fill("Ada");
  await dialog.locator("#relopts-author").getByRole("button", { name: /Ada Lovelace/ }).click();
  await dialog.locator("#relsel-author").getByText("Ada Lovelace").waitFor();
  await dialog.getByLabel("cover").setInputFiles({ name: "cover.png", mimeType: "image/png", buffer: PNG });
  await screenshot(page, "records-02-form");
  // A field error first: the title is required.
  await dialog.getByLabel("title").fill("");
  await dialog.getByRole("button", { name: "Create" }).click();
  await dialog.locator("#ferr-title").filter({ hasText: "Cannot be blank." }).waitFor();
  await screenshot(page, "records-03-form-error");
  await dialog.getByLabel("title").fill("From the form");
  await dialog.getByRole("button", { name: "Create" }).click();
  await dialog.waitFor({ state: "hidden" });
  const created = rows.first();
  await created.filter({ hasText: "From the form" }).waitFor();
  assert.match(await created.innerText(), /Ada Lovelace/);
  await created.locator("img[src*='thumb=100x100']").waitFor();
  assert.equal(await created.locator(".cell-bool .yes").count(), 1);

  // A cell edited in place: Enter saves, Escape cancels.
  const createdId = (await created.getAttribute("id")).slice("row-".length);
  const titleCell = page.locator(`#cell-${createdId}-title`);
  await titleCell.click();
  const input = titleCell.locator("input[name=value]");
  await input.fill("Edited in place");
  await input.press("Enter");
  await page.locator(`#cell-${createdId}-title`, { hasText: "Edited in place" }).waitFor();
  await page.locator(`#cell-${createdId}-views`).click();
  await page.locator(`#cell-${createdId}-views input`).fill("99999");
  await page.locator(`#cell-${createdId}-views input`).press("Escape");
  await page.locator(`#cell-${createdId}-views`, { hasText: "7" }).waitFor();
  const stored = await api("GET", `/api/collections/posts/records/${createdId}`);
  assert.equal(stored.title, "Edited in place");
  assert.equal(stored.views, 7);
  await screenshot(page, "records-04-cell-edited");

  // A bad filter is explained as you type; a good one narrows the table.
  const filter = page.getByLabel("Filter records");
  await filter.fill("title ~");
  await page.locator("#filter-error", { hasText: "Invalid filter" }).waitFor();
  await screenshot(page, "records-05-filter-error");
  await filter.fill("title ~ 'seed 00'");
  await page.waitForFunction(() => document.querySelectorAll("#rows tr[id^='row-']").length === 10);
  assert.equal(await page.locator("#filter-error").innerText(), "");
  assert.match(await page.locator("#total").innerText(), /10 records/);
  await screenshot(page, "records-06-filtered");

  // Sorting by a header.
  await filter.fill("");
  await page.waitForFunction(() => document.querySelectorAll("#rows tr[id^='row-']").length === 50);
  await page.locator("#sort-views").click();
  await page.locator("th[aria-sort='ascending'] #sort-views").waitFor();
  await page.waitForFunction(() => document.querySelector("#rows tr[id^='row-'] .cell-number")?.textContent.trim() === "0");
  await page.locator("#sort-views").click();
  await page.locator("th[aria-sort='descending'] #sort-views").waitFor();
  await page.waitForFunction(() => document.querySelector("#rows tr[id^='row-'] .cell-number")?.textContent.trim() === "119");
  await screenshot(page, "records-07-sorted");

  // Infinite scroll: two more pages, then the end.
  const scrollUntil = async (count) => {
    for (let tries = 0; tries < 100; tries++) {
      if ((await rows.count()) >= count) return;
      await page.evaluate(() => document.getElementById("more")?.scrollIntoView());
      await page.waitForTimeout(100);
    }
  };
  await scrollUntil(100);
  assert.ok((await rows.count()) >= 100);
  await screenshot(page, "records-08-scrolled");
  await scrollUntil(121);
  assert.equal(await rows.count(), 121);
  assert.equal(await page.locator("#more").count(), 0);
  await page.evaluate(() => window.scrollTo(0, 0));

  // Bulk delete of two rows, after a confirmation.
  const firstTwo = await rows.evaluateAll((trs) => trs.slice(0, 2).map((tr) => tr.id.slice(4)));
  for (const id of firstTwo) await page.getByLabel(`Select record ${id}`).check();
  await page.getByRole("button", { name: "Delete selected (2)" }).click();
  const confirm = page.getByRole("dialog", { name: "Delete 2 records of posts?" });
  await confirm.waitFor();
  await screenshot(page, "records-09-bulk-confirm");
  await confirm.getByRole("button", { name: "Delete", exact: true }).click();
  await page.locator("#flash .message", { hasText: "Deleted 2 records of posts." }).waitFor();
  for (const id of firstTwo) await page.locator(`#row-${id}`).waitFor({ state: "detached" });
  assert.equal(await rows.count(), 119);

  // Live: writes through the REST API show up without a reload.
  const live = await api("POST", "/api/collections/posts/records", { title: "Live from the API", views: 5 });
  await page.locator(`#row-${live.id}`, { hasText: "Live from the API" }).waitFor();
  assert.equal(await rows.first().getAttribute("id"), `row-${live.id}`);
  await screenshot(page, "records-10-live-created");
  await api("PATCH", `/api/collections/posts/records/${live.id}`, { title: "Live and updated" });
  await page.locator(`#row-${live.id}`, { hasText: "Live and updated" }).waitFor();
  await api("DELETE", `/api/collections/posts/records/${live.id}`);
  await page.locator(`#row-${live.id}`).waitFor({ state: "detached" });

  assert.deepEqual(errors, []);
});

test("the records page fits a phone-sized screen", { skip }, async () => {
  const phone = await openBrowser({ width: 390, height: 844 });
  try {
    const { page, errors } = phone;
    await signIn(page, server);
    await page.goto(`${server.url}/_/collections/posts`);
    await page.locator("#rows tr[id^='row-']").first().waitFor();
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `the page scrolls sideways (${width}px wide)`);
    const wrap = await page.locator(".table-wrap").evaluate((el) => el.scrollWidth > el.clientWidth);
    assert.ok(wrap, "the table scrolls inside its wrapper");
    await screenshot(page, "records-11-phone");
    await page.getByRole("button", { name: "New record" }).click();
    await page.getByRole("dialog", { name: "New posts record" }).waitFor();
    const dialogWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(dialogWidth <= 390, `the form scrolls sideways (${dialogWidth}px wide)`);
    await screenshot(page, "records-12-phone-form");
    assert.deepEqual(errors, []);
  } finally {
    await phone.browser.close();
  }
});
