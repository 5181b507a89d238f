// Auth collections through the official JS SDK: password auth, refresh, impersonation,
// the auth rule, and the request/confirm flows that need no mail. The flows that read a
// mailed token or code are in tests/auth.rs (`*_by_mail`).
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import PocketBase, { ClientResponseError } from "pocketbase";
import { startServer } from "./server.mjs";

async function rejects(promise, status) {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof ClientResponseError, `not a ClientResponseError: ${e}`);
    assert.equal(e.status, status, JSON.stringify(e.response));
    assert.deepEqual(Object.keys(e.response).sort(), ["data", "message", "status"]);
    return e;
  }
  assert.fail(`expected a ${status} error`);
}

describe("auth collections through the JS SDK", () => {
  let srv;
  let admin;
  let userId;
  const email = "sdk-auth@example.com";
  const password = "user-pass-123";

  before(async () => {
    srv = await startServer();
    admin = new PocketBase(srv.url);
    admin.autoCancellation(false);
    await admin.collection("_superusers").authWithPassword(srv.email, srv.password);
    const user = await admin.collection("users").create({
      email,
      password,
      passwordConfirm: password,
      name: "SDK Auth",
    });
    userId = user.id;
  });

  after(async () => {
    await srv?.stop();
  });

  it("authWithPassword and authRefresh", async () => {
    const pb = new PocketBase(srv.url);
    const auth = await pb.collection("users").authWithPassword(email, password);
    assert.equal(auth.record.id, userId);
    assert.equal(auth.record.email, email);
    assert.equal(pb.authStore.isValid, true);
    assert.equal(pb.authStore.isSuperuser, false);
    const refreshed = await pb.collection("users").authRefresh();
    assert.equal(refreshed.record.id, userId);
    assert.equal(typeof refreshed.token, "string");
    assert.equal(pb.authStore.token, refreshed.token);
  });

  it("impersonate gives a client authenticated as the record", async () => {
    const impersonated = await admin.collection("users").impersonate(userId, 60);
    assert.equal(impersonated.authStore.record.id, userId);
    assert.equal(impersonated.authStore.isValid, true);
    const token = impersonated.authStore.token;
    const me = await impersonated.collection("users").getOne(userId);
    assert.equal(me.email, email);
    // Not refreshable: auth-refresh answers the same token.
    const refreshed = await impersonated.collection("users").authRefresh();
    assert.equal(refreshed.token, token);
    // Only superusers impersonate.
    const user = new PocketBase(srv.url);
    await user.collection("users").authWithPassword(email, password);
    await rejects(user.collection("users").impersonate(userId, 60), 403);
  });

  it("requestPasswordReset and requestVerification answer true for any email", async () => {
    const pb = new PocketBase(srv.url);
    assert.equal(await pb.collection("users").requestPasswordReset(email), true);
    assert.equal(await pb.collection("users").requestPasswordReset("nobody@example.com"), true);
    assert.equal(await pb.collection("users").requestVerification(email), true);
    assert.equal(await pb.collection("users").requestVerification("nobody@example.com"), true);
    const e = await rejects(pb.collection("users").requestPasswordReset("not-an-email"), 400);
    assert.equal(e.response.data.email.code, "validation_is_email");
  });

  it("confirm flows refuse invalid tokens", async () => {
    const pb = new PocketBase(srv.url);
    let e = await rejects(pb.collection("users").confirmPasswordReset("abc", "new-pass-123", "new-pass-123"), 400);
    assert.equal(e.response.data.token.code, "validation_invalid_token");
    e = await rejects(pb.collection("users").confirmVerification("abc"), 400);
    assert.equal(e.response.data.token.code, "validation_invalid_token_claims");
    e = await rejects(pb.collection("users").confirmEmailChange("abc", password), 400);
    assert.equal(e.response.data.token.code, "validation_invalid_token_payload");
  });

  it("requestOTP needs otp.enabled and hides unknown emails", async () => {
    const pb = new PocketBase(srv.url);
    let e = await rejects(pb.collection("users").requestOTP(email), 403);
    assert.equal(e.response.message, "The collection is not configured to allow OTP authentication.");
    await admin.collections.update("users", { otp: { enabled: true } });
    const known = await pb.collection("users").requestOTP(email);
    const unknown = await pb.collection("users").requestOTP("nobody@example.com");
    assert.deepEqual(Object.keys(known), ["otpId"]);
    assert.deepEqual(Object.keys(unknown), ["otpId"]);
    e = await rejects(pb.collection("users").authWithOTP(unknown.otpId, "12345678"), 400);
    assert.equal(e.response.message, "Invalid or expired OTP.");
  });

  it("the auth rule can refuse password auth", async () => {
    await admin.collections.update("users", { authRule: "verified = true" });
    const pb = new PocketBase(srv.url);
    const e = await rejects(pb.collection("users").authWithPassword(email, password), 403);
    assert.equal(e.response.message, "The request doesn't satisfy the collection requirements to authenticate.");
    await admin.collection("users").update(userId, { verified: true });
    const auth = await pb.collection("users").authWithPassword(email, password);
    assert.equal(auth.record.verified, true);
    await admin.collections.update("users", { authRule: "" });
  });
});
