// Files through the official PocketBase JS SDK: uploads as FormData with File objects,
// `pb.files.getURL` with thumbs, and `pb.files.getToken` for protected files.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import PocketBase from "pocketbase";
import { startServer } from "./server.mjs";

describe("PocketBase JS SDK files", () => {
  let srv;
  let pb;

  before(async () => {
    srv = await startServer();
    pb = new PocketBase(srv.url);
    pb.autoCancellation(false);
    await pb.collection("_superusers").authWithPassword(srv.email, srv.password);
    await pb.collections.create({
      name: "uploads",
      type: "base",
      listRule: "",
      // Public files are served to anyone; protected ones only to viewers with a token.
      viewRule: "@request.auth.id != ''",
      fields: [
        { name: "title", type: "text" },
        { name: "docs", type: "file", maxSelect: 3 },
        { name: "private", type: "file", maxSelect: 1, protected: true },
      ],
    });
  });

  after(async () => {
    await srv?.stop();
  });

  it("uploads, serves and removes files", async () => {
    const record = await pb.collection("uploads").create({
      title: "with files",
      docs: [new File(["first file"], "First Doc.txt"), new File(["second"], "second.txt")],
      private: new File(["secret"], "secret.txt"),
    });
    assert.equal(record.docs.length, 2);
    assert.match(record.docs[0], /^first_doc_[a-z0-9]{10}\.txt$/);

    const publicUrl = pb.files.getURL(record, record.docs[0]);
    const served = await fetch(publicUrl);
    assert.equal(served.status, 200);
    assert.equal(await served.text(), "first file");

    const guest = new PocketBase(srv.url);
    const denied = await fetch(guest.files.getURL(record, record.private));
    assert.equal(denied.status, 404);
    const token = await pb.files.getToken();
    const allowed = await fetch(pb.files.getURL(record, record.private, { token }));
    assert.equal(await allowed.text(), "secret");

    const updated = await pb.collection("uploads").update(record.id, { "docs-": [record.docs[0]] });
    assert.deepEqual(updated.docs, [record.docs[1]]);
    const gone = await fetch(publicUrl);
    assert.equal(gone.status, 404);
  });
});
