// The mailed auth flows through the official JS SDK: requestOTP/authWithOTP and
// requestPasswordReset/confirmPasswordReset, reading the code and token from a local
// SMTP sink the server is pointed at through the settings API.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import PocketBase from "pocketbase";
import { startServer } from "./server.mjs";
import { startMailSink } from "./mail.mjs";

describe("PocketBase JS SDK mailed auth flows", () => {
  let srv;
  let sink;
  let admin;
  const email = "mailed@example.com";
  const password = "first-pass-123";

  before(async () => {
    srv = await startServer();
    sink = await startMailSink();
    admin = new PocketBase(srv.url);
    admin.autoCancellation(false);
    await admin.collection("_superusers").authWithPassword(srv.email, srv.password);
    await admin.settings.update({
      meta: { appName: "Acme", appURL: "http://localhost:8090", senderName: "Support", senderAddress: "support@example.com" },
      smtp: { enabled: true, host: "127.0.0.1", port: sink.port, tls: false, username: "", password: "" },
    });
    await admin.collections.update("users", { otp: { enabled: true } });
    await admin.collection("users").create({ email, password, passwordConfirm: password });
  });

  after(async () => {
    await srv?.stop();
    await sink?.close();
  });

  it("requestOTP then authWithOTP", async () => {
    const pb = new PocketBase(srv.url);
    const { otpId } = await pb.collection("users").requestOTP(email);
    const mail = await sink.waitFor(email);
    const code = mail.match(/<strong>\s*(\d{4,64})\s*<\/strong>/)?.[1];
    assert.ok(code, `no code in the OTP mail: ${mail.slice(0, 400)}`);
    const auth = await pb.collection("users").authWithOTP(otpId, code);
    assert.equal(auth.record.email, email);
    assert.ok(pb.authStore.isValid);
  });

  it("requestPasswordReset then confirmPasswordReset", async () => {
    const pb = new PocketBase(srv.url);
    const before = sink.messages.filter((m) => m.to.includes(email)).length;
    assert.equal(await pb.collection("users").requestPasswordReset(email), true);
    const mail = await sink.waitFor(email, before);
    const token = mail.match(/eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/)?.[0];
    assert.ok(token, "no token in the reset mail");
    assert.equal(await pb.collection("users").confirmPasswordReset(token, "second-pass-456", "second-pass-456"), true);
    await assert.rejects(pb.collection("users").authWithPassword(email, password));
    const auth = await pb.collection("users").authWithPassword(email, "second-pass-456");
    assert.equal(auth.record.email, email);
    await assert.rejects(
      pb.collection("users").confirmPasswordReset(token, "third-pass-789", "third-pass-789"),
      "a reset token works once",
    );
  });
});
