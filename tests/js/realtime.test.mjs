// Realtime through the official PocketBase JS SDK: `collection(...).subscribe` over SSE
// (Node has no EventSource, so the `eventsource` package stands in, as the SDK documents).
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import EventSource from "eventsource";
import PocketBase from "pocketbase";
import { startServer } from "./server.mjs";

globalThis.EventSource = EventSource;

/** Polls `condition` every 20 ms for at most `ms`. */
async function eventually(condition, ms = 5000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.fail("condition not met in time");
}

describe("PocketBase JS SDK realtime", () => {
  let srv;
  let admin;
  let alice;
  let bob;
  let guest;

  before(async () => {
    srv = await startServer();
    admin = new PocketBase(srv.url);
    admin.autoCancellation(false);
    await admin.collection("_superusers").authWithPassword(srv.email, srv.password);
    await admin.collections.create({
      name: "messages",
      type: "base",
      fields: [
        { name: "text", type: "text" },
        { name: "owner", type: "relation", collectionId: "_pb_users_auth_", maxSelect: 1 },
        { name: "public", type: "bool" },
      ],
      listRule: "owner = @request.auth.id || public = true",
      viewRule: "owner = @request.auth.id || public = true",
      createRule: "@request.auth.id != '' && owner = @request.auth.id",
      updateRule: "owner = @request.auth.id",
      deleteRule: "owner = @request.auth.id",
    });
    for (const name of ["alice", "bob"]) {
      await admin.collection("users").create({
        email: `${name}@example.com`,
        password: "password-123",
        passwordConfirm: "password-123",
        name,
      });
    }
    alice = new PocketBase(srv.url);
    bob = new PocketBase(srv.url);
    guest = new PocketBase(srv.url);
    for (const [client, name] of [[alice, "alice"], [bob, "bob"]]) {
      client.autoCancellation(false);
      await client.collection("users").authWithPassword(`${name}@example.com`, "password-123");
    }
  });

  after(async () => {
    for (const client of [alice, bob, guest, admin]) client?.realtime.unsubscribe();
    await srv?.stop();
  });

  it("delivers only the events each subscriber's rules allow", async () => {
    const seen = { alice: [], bob: [], guest: [] };
    await alice.collection("messages").subscribe("*", (e) => seen.alice.push(`${e.action} ${e.record.text}`));
    await bob.collection("messages").subscribe("*", (e) => seen.bob.push(`${e.action} ${e.record.text}`));
    await guest.collection("messages").subscribe("*", (e) => seen.guest.push(`${e.action} ${e.record.text}`));

    const aliceId = alice.authStore.record.id;
    const secret = await alice.collection("messages").create({ text: "secret", owner: aliceId, public: false });
    await alice.collection("messages").create({ text: "hello all", owner: aliceId, public: true });
    await alice.collection("messages").update(secret.id, { text: "secret v2" });
    await alice.collection("messages").delete(secret.id);

    await eventually(() => seen.alice.length === 4 && seen.bob.length === 1 && seen.guest.length === 1);
    assert.deepEqual(seen.alice, ["create secret", "create hello all", "update secret v2", "delete secret v2"]);
    assert.deepEqual(seen.bob, ["create hello all"]);
    assert.deepEqual(seen.guest, ["create hello all"]);
  });

  it("subscribes to one record with options and unsubscribes", async () => {
    const aliceId = alice.authStore.record.id;
    const note = await alice.collection("messages").create({ text: "watch me", owner: aliceId, public: true });
    const events = [];
    const unsubscribe = await guest.collection("messages").subscribe(note.id, (e) => events.push(e), {
      fields: "id,text",
    });
    await alice.collection("messages").update(note.id, { text: "watched" });
    await eventually(() => events.length === 1);
    assert.equal(events[0].action, "update");
    assert.deepEqual(Object.keys(events[0].record).sort(), ["id", "text"]);
    await unsubscribe();
    await alice.collection("messages").update(note.id, { text: "unwatched" });
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(events.length, 1, "no events after unsubscribing");
  });
});
