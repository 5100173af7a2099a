import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { bytesToBase64, randomBytes } from "../src/crypto/encoding";
import { Keyring } from "../src/crypto/secret-box";
import worker from "../src/index";
import { configureEmail, createTenant, expectError, ORIGIN, VALID_SETTINGS } from "./helpers";

const newKey = () => bytesToBase64(randomBytes(32));

/** Calls the Worker with a different set of secrets, as after `wrangler secret put`. */
async function callWith(
  overrides: Partial<Env> & { ENCRYPTION_KEY_PREVIOUS?: string },
  path: string,
  init: RequestInit = {},
) {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(ORIGIN + path, init), { ...env, ...overrides }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

describe("keyring", () => {
  it("seals under the current key and opens rows sealed under a previous one", async () => {
    const oldRaw = randomBytes(32);
    const newRaw = randomBytes(32);
    const before = await Keyring.fromRawKeys([oldRaw]);
    const sealed = await before.seal("server-token-1234", "tenant-1");
    expect(sealed.kid).toBe(before.currentKid);

    const rotated = await Keyring.fromRawKeys([newRaw, oldRaw]);
    expect(rotated.currentKid).not.toBe(before.currentKid);
    expect(await rotated.open(sealed, "tenant-1")).toBe("server-token-1234");
    expect((await rotated.seal("x", "tenant-1")).kid).toBe(rotated.currentKid);

    const withoutOld = await Keyring.fromRawKeys([newRaw]);
    await expect(withoutOld.open(sealed, "tenant-1")).rejects.toThrow(/cannot be opened/);
  });
});

describe("ENCRYPTION_KEY rotation through the API", () => {
  it("keeps old rows usable when the previous key is listed, and re-seals on the next save", async () => {
    const tenant = await createTenant();
    await configureEmail(tenant);
    const oldRow = await env.DB.prepare("SELECT api_key_kid FROM email_settings WHERE tenant_id = ?")
      .bind(tenant.id)
      .first<{ api_key_kid: string }>();

    const rotated = { ENCRYPTION_KEY: newKey(), ENCRYPTION_KEY_PREVIOUS: env.ENCRYPTION_KEY };
    const auth = { Authorization: `Bearer ${tenant.token}` };
    const read = await callWith(rotated, "/v1/email/settings", { headers: auth });
    expect(read.status).toBe(200);

    const { apiKey: _keep, ...withoutKey } = VALID_SETTINGS;
    const save = await callWith(rotated, "/v1/email/settings", {
      method: "PUT",
      headers: { ...auth, "Content-Type": "application/json" },
      body: JSON.stringify({ ...VALID_SETTINGS, apiKey: "rotated-key-abcd" }),
    });
    expect(save.status).toBe(200);
    const newRow = await env.DB.prepare("SELECT api_key_kid FROM email_settings WHERE tenant_id = ?")
      .bind(tenant.id)
      .first<{ api_key_kid: string }>();
    expect(newRow!.api_key_kid).not.toBe(oldRow!.api_key_kid);
    expect(withoutKey).not.toHaveProperty("apiKey");
  });
});

describe("ENCRYPTION_KEY replaced without the previous one", () => {
  it("answers 503 service_misconfigured for the callback URL, not a bare 500, and a rotation recovers it", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const tenant = await createTenant();
    const auth = { Authorization: `Bearer ${tenant.token}` };
    expect((await callWith({}, "/v1/email/webhook", { headers: auth })).status).toBe(200);

    const replaced = { ENCRYPTION_KEY: newKey() };
    const error = await expectError(
      await callWith(replaced, "/v1/email/webhook", { headers: auth }),
      503,
      "service_misconfigured",
    );
    expect(error.message).toMatch(/ENCRYPTION_KEY_PREVIOUS/);
    expect(logged.mock.calls.flat().join("\n")).toMatch(/cannot be opened/);
    logged.mockRestore();

    expect((await callWith(replaced, "/v1/email/webhook/rotate", { method: "POST", headers: auth })).status).toBe(200);
    expect((await callWith(replaced, "/v1/email/webhook", { headers: auth })).status).toBe(200);
  });
});

describe("configuration errors", () => {
  it("tells a local run (plain wrangler dev without .dev.vars) where local secrets come from", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const ctx = createExecutionContext();
    const local = await worker.fetch(new Request("http://127.0.0.1:8787/health"), { ...env, ADMIN_TOKEN: "" }, ctx);
    await waitOnExecutionContext(ctx);
    const { error } = await local.json<{ error: { message: string } }>();
    expect(error.message).toContain(".dev.vars");
    expect(error.message).toContain("npm run dev");
    expect(error.message).not.toContain("wrangler secret put");
    const deployed = await callWith({ ADMIN_TOKEN: "" }, "/health");
    expect((await deployed.json<{ error: { message: string } }>()).error.message).toContain("wrangler secret put");
    vi.restoreAllMocks();
  });

  const cases: [string, Partial<Env> & { ENCRYPTION_KEY_PREVIOUS?: string }, RegExp][] = [
    ["missing ENCRYPTION_KEY", { ENCRYPTION_KEY: "" }, /ENCRYPTION_KEY is not set/],
    ["ENCRYPTION_KEY not base64", { ENCRYPTION_KEY: "not base64!" }, /ENCRYPTION_KEY must be base64 of exactly 32/],
    ["ENCRYPTION_KEY of 16 bytes", { ENCRYPTION_KEY: bytesToBase64(randomBytes(16)) }, /exactly 32/],
    ["bad previous key", { ENCRYPTION_KEY_PREVIOUS: "abc" }, /ENCRYPTION_KEY_PREVIOUS \(entry 1\)/],
    ["missing ADMIN_TOKEN", { ADMIN_TOKEN: "" }, /ADMIN_TOKEN is not set/],
    ["short ADMIN_TOKEN", { ADMIN_TOKEN: "short" }, /ADMIN_TOKEN must be at least 24/],
    ["bad PUBLIC_URL", { PUBLIC_URL: "not a url" }, /PUBLIC_URL must be an absolute/],
  ];
  for (const [name, overrides, message] of cases) {
    it(`answers 503 service_misconfigured for ${name}, naming it but not its value`, async () => {
      const logged = vi.spyOn(console, "error").mockImplementation(() => {});
      const tenant = await createTenant();
      const res = await callWith(overrides, "/v1/email/settings", {
        headers: { Authorization: `Bearer ${tenant.token}` },
      });
      const error = await expectError(res, 503, "service_misconfigured");
      expect(error.message).toMatch(message);
      for (const value of Object.values(overrides)) if (value) expect(error.message).not.toContain(value);

      const health = await callWith(overrides, "/health");
      expect(health.status).toBe(503);
      expect(await health.json()).toMatchObject({ ok: false, error: { code: "service_misconfigured" } });

      // The operator sees the problem in the logs, without the secret's value.
      const logs = logged.mock.calls.flat().join("\n");
      expect(logs).toMatch(message);
      for (const value of Object.values(overrides)) if (value) expect(logs).not.toContain(value);
      logged.mockRestore();
    });
  }
});
