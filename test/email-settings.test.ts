import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config";
import { call, configureEmail, createTenant, expectError, storedRow, VALID_SETTINGS } from "./helpers";

const put = (token: string, json: unknown) => call("/v1/email/settings", { method: "PUT", token, json });

describe("email settings", () => {
  it("is not_configured before the first save", async () => {
    const tenant = await createTenant();
    await expectError(await call("/v1/email/settings", { token: tenant.token }), 404, "not_configured");
  });

  it("fills in Postmark's defaults and shows the key only as set/last4", async () => {
    const tenant = await createTenant();
    const saved = await configureEmail(tenant, {
      provider: "postmark",
      fromEmail: "news@acme.example",
      apiKey: "abcd-efgh-1a2b",
    });
    expect(saved).toEqual({
      provider: "postmark",
      host: "smtp.postmarkapp.com",
      port: 587,
      fromEmail: "news@acme.example",
      fromName: null,
      messageStream: "outbound",
      apiKey: { set: true, last4: "1a2b" },
      updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      lastTest: null,
      postmark: {
        verified: true,
        serverName: "Shared test server",
        serverId: expect.any(Number),
        checkedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      },
    });
    const read = await (await call("/v1/email/settings", { token: tenant.token })).json();
    expect(read).toEqual(saved);
  });

  it("saves every field given", async () => {
    const tenant = await createTenant();
    const saved = await configureEmail(tenant, {
      ...VALID_SETTINGS,
      host: "SMTP-Broadcasts.postmarkapp.com",
      port: 2525,
      messageStream: "broadcast",
    });
    expect(saved).toMatchObject({
      host: "smtp-broadcasts.postmarkapp.com",
      port: 2525,
      messageStream: "broadcast",
      fromName: "Acme News",
    });
  });

  it("requires the API key on the first save", async () => {
    const tenant = await createTenant();
    const { apiKey: _omitted, ...withoutKey } = VALID_SETTINGS;
    const error = await expectError(await put(tenant.token, withoutKey), 400, "validation_failed");
    expect(error.fields).toEqual({ apiKey: "is required on the first save" });
    expect(await storedRow(tenant.id)).toBeNull();
  });

  it("keeps the stored key when apiKey is omitted, and replaces it when given", async () => {
    const tenant = await createTenant();
    await configureEmail(tenant);
    const before = await storedRow(tenant.id);

    const { apiKey: _omitted, ...withoutKey } = VALID_SETTINGS;
    const kept = await configureEmail(tenant, { ...withoutKey, fromName: "Renamed" });
    expect(kept).toMatchObject({ fromName: "Renamed", apiKey: { set: true, last4: "a1b2" } });
    const after = await storedRow(tenant.id);
    expect(after!.api_key_ciphertext).toBe(before!.api_key_ciphertext);

    const replaced = await configureEmail(tenant, { ...withoutKey, apiKey: "new-server-token-9z9z" });
    expect(replaced).toMatchObject({ apiKey: { set: true, last4: "9z9z" } });
    expect((await storedRow(tenant.id))!.api_key_ciphertext).not.toBe(before!.api_key_ciphertext);
  });

  it("never stores or returns the key in plain text, and uses a fresh IV on every write", async () => {
    const tenant = await createTenant();
    const first = await configureEmail(tenant);
    const row1 = await storedRow(tenant.id);
    await configureEmail(tenant);
    const row2 = await storedRow(tenant.id);

    for (const text of [JSON.stringify(first), JSON.stringify(row1), JSON.stringify(row2)]) {
      expect(text).not.toContain(VALID_SETTINGS.apiKey);
      expect(text).not.toContain(btoa(VALID_SETTINGS.apiKey));
    }
    expect(row1!.api_key_iv).not.toBe(row2!.api_key_iv);
    expect(row1!.api_key_ciphertext).not.toBe(row2!.api_key_ciphertext);
    expect(row1!.api_key_kid).toMatch(/^[0-9a-f]{16}$/);
  });

  it("names each invalid field, and changes nothing", async () => {
    const tenant = await createTenant();
    await configureEmail(tenant);
    const before = await storedRow(tenant.id);

    const cases: [Record<string, unknown>, string][] = [
      [{ provider: "sendgrid" }, "provider"],
      [{ host: "not a host" }, "host"],
      [{ host: "smtp.postmarkapp.com\r\nRCPT TO:<x@y>" }, "host"],
      [{ host: "" }, "host"],
      [{ host: 587 }, "host"],
      [{ port: 0 }, "port"],
      [{ port: 65536 }, "port"],
      [{ port: 587.5 }, "port"],
      [{ port: "587" }, "port"],
      [{ fromEmail: "not-an-email" }, "fromEmail"],
      [{ fromEmail: "a@b.example\r\nBcc: victim@example.com" }, "fromEmail"],
      [{ fromEmail: `${"a".repeat(250)}@x.example` }, "fromEmail"],
      [{ fromEmail: null }, "fromEmail"],
      [{ fromName: "Acme\nBcc: victim@example.com" }, "fromName"],
      [{ fromName: "x".repeat(101) }, "fromName"],
      [{ fromName: ["Acme"] }, "fromName"],
      [{ messageStream: "out bound" }, "messageStream"],
      [{ messageStream: "outbound\n" }, "messageStream"],
      [{ apiKey: "short" }, "apiKey"],
      [{ apiKey: "has spaces in it" }, "apiKey"],
      [{ apiKey: 1234567890 }, "apiKey"],
    ];
    for (const [override, field] of cases) {
      const error = await expectError(
        await put(tenant.token, { ...VALID_SETTINGS, ...override }),
        400,
        "validation_failed",
      );
      expect(Object.keys(error.fields!), JSON.stringify(override)).toEqual([field]);
      expect(error.fields![field]).toMatch(/^(must|is) /);
    }
    expect(await storedRow(tenant.id)).toEqual(before);
  });

  it("names every invalid field at once", async () => {
    const tenant = await createTenant();
    const error = await expectError(
      await put(tenant.token, { host: "bad host", port: -1, fromName: 5 }),
      400,
      "validation_failed",
    );
    expect(Object.keys(error.fields!).sort()).toEqual(["fromEmail", "fromName", "host", "port"]);
    expect(error.fields!.fromEmail).toBe("is required");
  });

  it("rejects malformed bodies with 400", async () => {
    const tenant = await createTenant();
    for (const body of ["", "{", "[]", "null", '"text"', "42"]) {
      const res = await call("/v1/email/settings", {
        method: "PUT",
        token: tenant.token,
        body,
        headers: { "Content-Type": "application/json" },
      });
      await expectError(res, 400, "invalid_json");
    }
  });

  it("deletes the settings and the stored key", async () => {
    const tenant = await createTenant();
    await configureEmail(tenant);
    const res = await call("/v1/email/settings", { method: "DELETE", token: tenant.token });
    expect(res.status).toBe(204);
    expect(await storedRow(tenant.id)).toBeNull();
    await expectError(await call("/v1/email/settings", { token: tenant.token }), 404, "not_configured");
  });
});

describe("tenant isolation", () => {
  it("a tenant's token reads and changes only its own settings", async () => {
    const a = await createTenant();
    const b = await createTenant();
    await configureEmail(a, { ...VALID_SETTINGS, fromEmail: "a@a.example" });

    await expectError(await call("/v1/email/settings", { token: b.token }), 404, "not_configured");
    await configureEmail(b, { ...VALID_SETTINGS, fromEmail: "b@b.example", apiKey: "tenant-b-key-zzzz" });
    await call("/v1/email/settings", { method: "DELETE", token: b.token });

    const aSettings = await (await call("/v1/email/settings", { token: a.token })).json<Record<string, unknown>>();
    expect(aSettings).toMatchObject({ fromEmail: "a@a.example", apiKey: { set: true, last4: "a1b2" } });
  });

  it("a sealed key copied into another tenant's row does not decrypt there", async () => {
    const a = await createTenant();
    const b = await createTenant();
    await configureEmail(a);
    await configureEmail(b, { ...VALID_SETTINGS, apiKey: "tenant-b-key-zzzz" });
    // Simulate a row tampered with in the database: B's row now holds A's sealed key.
    await env.DB.prepare(
      `UPDATE email_settings SET (api_key_ciphertext, api_key_iv, api_key_kid) =
         (SELECT api_key_ciphertext, api_key_iv, api_key_kid FROM email_settings WHERE tenant_id = ?1)
       WHERE tenant_id = ?2`,
    )
      .bind(a.id, b.id)
      .run();
    const config = await loadConfig(env);
    const row = (await storedRow(b.id))!;
    const sealed = {
      ciphertext: String(row.api_key_ciphertext),
      iv: String(row.api_key_iv),
      kid: String(row.api_key_kid),
    };
    await expect(config.keyring.open(sealed, b.id)).rejects.toThrow(/cannot be opened/);
    expect(await config.keyring.open(sealed, a.id)).toBe(VALID_SETTINGS.apiKey);
  });
});
