// Compatibility of the official PocketBase JS SDK with the server under test.
// Run: `node --test tests/js` (starts the binary itself; see server.mjs for env vars).
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import PocketBase, { ClientResponseError } from "pocketbase";
import { startServer } from "./server.mjs";

const PB_DATE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const HOSTILE = `'; DROP TABLE posts; -- "quoted" \\ 日本語 🚀`;

/** Awaits `promise` and returns the ClientResponseError it must reject with. */
/** `serverShape` is false for errors the SDK makes itself (getFirstListItem's 404). */
async function rejects(promise, status, serverShape = true) {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof ClientResponseError, `not a ClientResponseError: ${e}`);
    assert.equal(e.status, status, JSON.stringify(e.response));
    if (serverShape) {
      assert.deepEqual(Object.keys(e.response).sort(), ["data", "message", "status"]);
      assert.equal(e.response.status, status);
    }
    return e;
  }
  assert.fail(`expected a ${status} error`);
}

describe("PocketBase JS SDK", () => {
  let srv;
  let pb;
  const ids = {};

  before(async () => {
    srv = await startServer();
    pb = new PocketBase(srv.url);
    pb.autoCancellation(false);
  });

  after(async () => {
    await srv?.stop();
  });

  it("rejects a wrong superuser password with 400", async () => {
    const other = new PocketBase(srv.url);
    const e = await rejects(other.collection("_superusers").authWithPassword(srv.email, "wrong-password"), 400);
    assert.equal(e.response.message, "Failed to authenticate.");
    assert.equal(other.authStore.isValid, false);
  });

  it("authenticates a superuser", async () => {
    const auth = await pb.collection("_superusers").authWithPassword(srv.email, srv.password);
    assert.equal(typeof auth.token, "string");
    assert.equal(auth.record.email, srv.email);
    assert.equal(pb.authStore.isValid, true);
    assert.equal(pb.authStore.isSuperuser, true);
    assert.equal(pb.authStore.record.collectionName, "_superusers");
  });

  it("creates collections with every field type", async () => {
    const tags = await pb.collections.create({
      name: "tags",
      type: "base",
      listRule: "",
      viewRule: "",
      fields: [{ name: "name", type: "text", required: true }],
    });
    ids.tags = tags.id;
    const posts = await pb.collections.create({
      name: "posts",
      type: "base",
      listRule: "",
      viewRule: "",
      fields: [
        { name: "title", type: "text", required: true, max: 100 },
        { name: "body", type: "editor" },
        { name: "views", type: "number" },
        { name: "published", type: "bool" },
        { name: "contact", type: "email" },
        { name: "site", type: "url" },
        { name: "due", type: "date" },
        { name: "status", type: "select", values: ["draft", "published"], maxSelect: 1 },
        { name: "labels", type: "select", values: ["a", "b", "c"], maxSelect: 3 },
        { name: "meta", type: "json" },
        { name: "author", type: "relation", collectionId: "_pb_users_auth_", maxSelect: 1 },
        { name: "tags", type: "relation", collectionId: tags.id, maxSelect: 5 },
        { name: "location", type: "geoPoint" },
        { name: "created", type: "autodate", onCreate: true, onUpdate: false },
        { name: "updated", type: "autodate", onCreate: true, onUpdate: true },
      ],
    });
    ids.posts = posts.id;
    assert.equal(posts.name, "posts");
    assert.deepEqual(
      posts.fields.map((f) => f.type),
      ["text", "text", "editor", "number", "bool", "email", "url", "date", "select", "select", "json",
       "relation", "relation", "geoPoint", "autodate", "autodate"],
    );
    const comments = await pb.collections.create({
      name: "comments",
      type: "base",
      listRule: "",
      viewRule: "",
      fields: [
        { name: "text", type: "text" },
        { name: "post", type: "relation", collectionId: posts.id, maxSelect: 1, cascadeDelete: true },
      ],
    });
    ids.comments = comments.id;
    const byName = await pb.collections.getOne("posts");
    assert.equal(byName.id, posts.id);
    const list = await pb.collections.getFullList({ filter: 'name ~ "posts"' });
    assert.deepEqual(list.map((c) => c.name), ["posts"]);
  });

  it("creates, views and updates records", async () => {
    const user = await pb.collection("users").create({
      email: "sdk-user@example.com",
      password: "user-pass-123",
      passwordConfirm: "user-pass-123",
      name: "SDK User",
    });
    ids.user = user.id;
    ids.rust = (await pb.collection("tags").create({ name: "rust" })).id;
    ids.sql = (await pb.collection("tags").create({ name: "sql" })).id;
    const titles = ["Alpha", "Beta", "Gamma", HOSTILE];
    for (const [i, title] of titles.entries()) {
      const rec = await pb.collection("posts").create({
        title,
        body: `<p>Body of <b>${title}</b></p>`,
        views: (i + 1) * 10,
        published: i % 2 === 0,
        contact: `p${i}@example.com`,
        site: "https://example.com",
        due: "2025-01-15 10:00:00.000Z",
        status: "published",
        labels: ["a", "b"].slice(0, i % 3),
        meta: { i, nested: { ok: true } },
        author: user.id,
        tags: i === 0 ? [ids.rust, ids.sql] : [ids.sql],
        location: { lon: 10.5, lat: -20.25 },
      });
      ids[title] = rec.id;
      assert.match(rec.id, /^[a-z0-9]{15}$/);
      assert.equal(rec.collectionName, "posts");
      assert.match(rec.created, PB_DATE);
    }
    const one = await pb.collection("posts").getOne(ids[HOSTILE]);
    assert.equal(one.title, HOSTILE);
    assert.deepEqual(one.meta, { i: 3, nested: { ok: true } });
    assert.deepEqual(one.location, { lon: 10.5, lat: -20.25 });
    assert.equal(one.due, "2025-01-15 10:00:00.000Z");

    const upd = await pb.collection("posts").update(ids.Beta, { title: "Beta 2", "views+": 1 });
    assert.equal(upd.title, "Beta 2");
    assert.equal(upd.views, 21);
    assert.equal(upd.published, false);

    await pb.collection("comments").create({ text: "on alpha", post: ids.Alpha });
    await pb.collection("comments").create({ text: "also alpha", post: ids.Alpha });
  });

  it("lists with filter, sort, expand and fields", async () => {
    const page = await pb.collection("posts").getList(1, 2, { sort: "-views,title" });
    assert.deepEqual(Object.keys(page).sort(), ["items", "page", "perPage", "totalItems", "totalPages"]);
    assert.equal(page.totalItems, 4);
    assert.equal(page.totalPages, 2);
    assert.equal(page.perPage, 2);
    assert.deepEqual(page.items.map((r) => r.title), [HOSTILE, "Gamma"]);

    const hostile = await pb.collection("posts").getList(1, 10, { filter: pb.filter("title = {:t}", { t: HOSTILE }) });
    assert.deepEqual(hostile.items.map((r) => r.id), [ids[HOSTILE]]);

    const filtered = await pb.collection("posts").getList(1, 10, {
      filter: pb.filter("views >= {:min} && (published = {:p} || title ~ {:s})", { min: 20, p: true, s: "beta" }),
      sort: "views",
    });
    assert.deepEqual(filtered.items.map((r) => r.title), ["Beta 2", "Gamma"]);

    const dated = await pb.collection("posts").getList(1, 10, {
      filter: pb.filter("due < {:d}", { d: new Date("2025-02-01T00:00:00Z") }),
      skipTotal: true,
    });
    assert.equal(dated.items.length, 4);
    assert.equal(dated.totalItems, -1);

    const expanded = await pb.collection("posts").getOne(ids.Alpha, { expand: "tags,comments_via_post" });
    assert.deepEqual(expanded.expand.tags.map((t) => t.name), ["rust", "sql"]);
    assert.equal(expanded.expand.comments_via_post.length, 2);

    const picked = await pb.collection("posts").getList(1, 1, {
      filter: pb.filter("id = {:id}", { id: ids.Alpha }),
      expand: "tags",
      fields: "id,title,expand.tags.name",
    });
    assert.deepEqual(picked.items[0], { id: ids.Alpha, title: "Alpha", expand: { tags: [{ name: "rust" }, { name: "sql" }] } });

    const any = await pb.collection("posts").getFullList({ filter: 'tags.name ?= "rust"' });
    assert.deepEqual(any.map((r) => r.id), [ids.Alpha]);
  });

  it("getFullList and getFirstListItem", async () => {
    const all = await pb.collection("posts").getFullList({ sort: "created", batch: 2 });
    assert.equal(all.length, 4);
    assert.deepEqual(all.map((r) => r.id), [ids.Alpha, ids.Beta, ids.Gamma, ids[HOSTILE]]);
    const first = await pb.collection("posts").getFirstListItem(pb.filter("title = {:t}", { t: "Gamma" }));
    assert.equal(first.id, ids.Gamma);
    await rejects(pb.collection("posts").getFirstListItem('title = "nope"'), 404, false);
  });

  it("reports errors as ClientResponseError", async () => {
    let e = await rejects(pb.collection("posts").create({ views: 1, contact: "nope", labels: ["zzz"] }), 400);
    assert.equal(e.response.message, "Failed to create record.");
    assert.equal(e.response.data.title.code, "validation_required");
    assert.equal(e.response.data.contact.code, "validation_is_email");
    assert.ok(e.response.data.labels.code);

    e = await rejects(pb.collection("posts").getList(1, 10, { filter: "title ~" }), 400);
    assert.deepEqual(e.response.data, {});
    await rejects(pb.collection("posts").getList(1, 10, { sort: "nope" }), 400);
    e = await rejects(pb.collection("posts").getOne("missing00000000"), 404);
    assert.equal(e.response.message, "The requested resource wasn't found.");
    e = await rejects(pb.collection("nope").getList(), 404);
    assert.equal(e.response.message, "Missing collection context.");

    const guest = new PocketBase(srv.url);
    await rejects(guest.collections.getFullList(), 401);
    await rejects(guest.collection("posts").create({ title: "x" }), 403);

    const user = new PocketBase(srv.url);
    await user.collection("users").authWithPassword("sdk-user@example.com", "user-pass-123");
    assert.equal(user.authStore.isValid, true);
    assert.equal(user.authStore.isSuperuser, false);
    assert.equal(user.authStore.record.id, ids.user);
    await rejects(user.collections.getFullList(), 403);
    const refreshed = await user.collection("users").authRefresh();
    assert.equal(refreshed.record.id, ids.user);
  });

  it("deletes records (cascading) and collections", async () => {
    await pb.collection("posts").delete(ids.Alpha);
    await rejects(pb.collection("posts").getOne(ids.Alpha), 404);
    assert.equal((await pb.collection("comments").getFullList()).length, 0);

    await pb.collections.delete("comments");
    await rejects(pb.collections.getOne("comments"), 404);
    await pb.collections.truncate("posts");
    assert.equal((await pb.collection("posts").getList(1, 1)).totalItems, 0);
    await pb.collections.delete("posts");
    await pb.collections.delete("tags");
    const left = await pb.collections.getFullList({ filter: 'name = "posts" || name = "tags"' });
    assert.equal(left.length, 0);
  });
});
