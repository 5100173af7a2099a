// POST /v1/email/test against a Postmark-like SMTP server: what arrives, which settings are used, and the
// guards that act before any connection (validation, suppression, rate limit, tenant isolation).
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { headerValue } from "../scripts/lib/mail-headers";
import { bytesToBase64, randomBytes } from "../src/crypto/encoding";
import worker from "../src/index";
import { TEST_SUBJECT } from "../src/postmark/test-message";
import { call, configureEmail, createTenant, expectError, ORIGIN, VALID_SETTINGS } from "./helpers";
import {
  arrivedAt,
  auditRows,
  sendTest,
  serverState,
  settingsFor,
  smtp,
  suppress,
  tokenForms,
  uniqueRecipient,
  useServer,
} from "./smtp-helpers";

describe("sending a test email", () => {
  it("delivers one message over TLS, from the tenant's sender to the address given, on the tenant's stream", async () => {
    const tenant = await createTenant();
    await useServer(tenant, "postmark");
    const to = uniqueRecipient("person");

    const { status, body } = await sendTest(tenant, { to, toName: "Pat Example" });
    expect(status).toBe(200);
    expect(body).toEqual({
      ok: true,
      to,
      from: VALID_SETTINGS.fromEmail,
      host: "127.0.0.1",
      port: smtp.ports.postmark,
      tls: true,
      elapsedMs: expect.any(Number),
      hint: expect.stringMatching(/spam folder/),
    });

    const [message, ...more] = await arrivedAt(to);
    expect(more).toEqual([]);
    expect(message!.from).toBe(VALID_SETTINGS.fromEmail);
    expect(message!.to).toEqual([to]);
    // The token was presented only after STARTTLS, as both user name and password.
    expect(message!.secure).toBe(true);
    expect(message!.authUser).toBe(smtp.token);

    const raw = message!.raw;
    expect(headerValue(raw, "From")).toBe(`"Acme News" <${VALID_SETTINGS.fromEmail}>`);
    expect(headerValue(raw, "To")).toBe(`"Pat Example" <${to}>`);
    expect(headerValue(raw, "Subject")).toBe(TEST_SUBJECT);
    expect(headerValue(raw, "X-PM-Message-Stream")).toBe("outbound");
    expect(headerValue(raw, "Message-ID")).toMatch(/^<[^<>@\s]+@acme\.example>$/);
    expect(Date.parse(headerValue(raw, "Date")!)).toBeGreaterThan(Date.now() - 60_000);
    expect(headerValue(raw, "Bcc")).toBeUndefined();
    expect(raw).toMatch(/Content-Type: text\/plain[\s\S]*This is a test email from your Postmark integration\./);
    expect(raw).toMatch(/Content-Type: text\/html[\s\S]*<strong>test email<\/strong>/);
  });

  it("says who it is from without a display name, and encodes a non-ASCII recipient name", async () => {
    const tenant = await createTenant();
    await useServer(tenant, "postmark", { fromName: null });
    const to = uniqueRecipient("noname");
    expect((await sendTest(tenant, { to, toName: "Zoë, <Ops>" })).body.ok).toBe(true);
    const [message] = await arrivedAt(to);
    expect(headerValue(message!.raw, "From")).toBe(VALID_SETTINGS.fromEmail);
    expect(headerValue(message!.raw, "To")).toBe(`=?UTF-8?Q?Zo=C3=AB=2C_=3COps=3E?= <${to}>`);
  });

  it("tests unsaved settings sent with the request, and saves nothing", async () => {
    const tenant = await createTenant();
    const to = uniqueRecipient("unsaved");
    const settings = settingsFor("postmark", { fromEmail: "trial@acme.example", messageStream: "broadcast" });
    const { body } = await sendTest(tenant, { to, settings });
    expect(body).toMatchObject({ ok: true, from: "trial@acme.example" });

    const [message] = await arrivedAt(to);
    expect(message!.from).toBe("trial@acme.example");
    expect(headerValue(message!.raw, "X-PM-Message-Stream")).toBe("broadcast");
    await expectError(await call("/v1/email/settings", { token: tenant.token }), 404, "not_configured");
  });

  it("reuses the saved key for unsaved settings on the saved host, and nowhere else", async () => {
    const tenant = await createTenant();
    await useServer(tenant, "postmark");
    const { apiKey: _none, ...withoutKey } = settingsFor("postmark", { fromEmail: "changed@acme.example" });

    const to = uniqueRecipient("reuse");
    expect((await sendTest(tenant, { to, settings: withoutKey })).body).toMatchObject({
      ok: true,
      from: "changed@acme.example",
    });
    expect((await arrivedAt(to))[0]!.authUser).toBe(smtp.token);

    // Another host (even one that reaches the same server) must bring its own key.
    const before = (await serverState("postmark")).connections;
    const { status, body } = await sendTest(tenant, { to, settings: { ...withoutKey, host: "localhost" } });
    expect(status).toBe(400);
    expect(body.error).toMatchObject({
      code: "validation_failed",
      fields: { "settings.apiKey": expect.stringMatching(/^is required/) },
    });
    expect((await serverState("postmark")).connections).toBe(before);
  });

  it("is not_configured with neither saved settings nor a key in the request", async () => {
    const tenant = await createTenant();
    expect((await sendTest(tenant, { to: "person@example.com" })).body.error).toMatchObject({
      code: "not_configured",
      hint: expect.stringMatching(/apiKey|API token/),
    });
    const { apiKey: _none, ...withoutKey } = settingsFor("postmark");
    const { status, body } = await sendTest(tenant, { to: "person@example.com", settings: withoutKey });
    expect(status).toBe(200);
    expect(body).toMatchObject({ ok: false, error: { code: "not_configured" } });
  });

  it("is not_configured when the saved key no longer decrypts (ENCRYPTION_KEY replaced without the old one)", async () => {
    const tenant = await createTenant();
    await useServer(tenant, "untouched");
    const ctx = createExecutionContext();
    const res = await worker.fetch(
      new Request(`${ORIGIN}/v1/email/test`, {
        method: "POST",
        headers: { Authorization: `Bearer ${tenant.token}`, "Content-Type": "application/json" },
        body: JSON.stringify({ to: "person@example.com" }),
      }),
      { ...env, ENCRYPTION_KEY: bytesToBase64(randomBytes(32)) },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(await res.json()).toMatchObject({
      ok: false,
      error: { code: "not_configured", message: expect.stringMatching(/can no longer be decrypted/) },
    });
    expect((await serverState("untouched")).connections).toBe(0);
  });

  it("shows the last test's outcome with the settings", async () => {
    const tenant = await createTenant();
    const saved = await useServer(tenant, "postmark");
    expect(saved.lastTest).toBeNull();

    const to = uniqueRecipient("last");
    await sendTest(tenant, { to });
    const afterSuccess = await (await call("/v1/email/settings", { token: tenant.token })).json<
      Record<string, unknown>
    >();
    expect(afterSuccess.lastTest).toEqual({ ok: true, code: null, to, at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });

    await useServer(tenant, "postmark", { apiKey: "wrong-token-0000" });
    await sendTest(tenant, { to: "second@example.com" });
    const afterFailure = await (await call("/v1/email/settings", { token: tenant.token })).json<
      Record<string, unknown>
    >();
    expect(afterFailure.lastTest).toMatchObject({ ok: false, code: "auth_failed", to: "second@example.com" });
  });

  it("writes an audit row per attempt, and never the key, in any answer or row", async () => {
    const tenant = await createTenant();
    await useServer(tenant, "postmark");
    const answers = [
      (await sendTest(tenant, { to: "ok@example.com" })).text,
      (
        await sendTest(tenant, {
          to: "bad-key@example.com",
          settings: settingsFor("postmark", { apiKey: "wrong-token-0000" }),
        })
      ).text,
      (await sendTest(tenant, { to: "echo@example.com", settings: settingsFor("echoesToken") })).text,
      await (await call("/v1/email/settings", { token: tenant.token })).text(),
    ];
    const rows = await auditRows(tenant.id);
    expect(rows.map((r) => [r.recipient, r.outcome, r.host, r.port])).toEqual([
      ["ok@example.com", "sent", "127.0.0.1", smtp.ports.postmark],
      ["bad-key@example.com", "auth_failed", "127.0.0.1", smtp.ports.postmark],
      ["echo@example.com", "auth_failed", "127.0.0.1", smtp.ports.echoesToken],
    ]);
    expect(JSON.parse(answers[2]!).error.message).toContain("[redacted]");
    for (const text of [...answers, JSON.stringify(rows)]) {
      for (const form of [...tokenForms(), "wrong-token-0000"]) expect(text).not.toContain(form);
    }
  });
});

describe("refusals before any connection", () => {
  it("refuses a suppressed recipient on the tenant's stream without connecting", async () => {
    const tenant = await createTenant();
    await useServer(tenant, "untouched");
    await suppress(tenant, "bounced@example.com");

    const { status, body } = await sendTest(tenant, { to: "  Bounced@Example.com " });
    expect(status).toBe(200);
    expect(body).toMatchObject({
      ok: false,
      error: { code: "recipient_suppressed", message: expect.stringMatching(/hard bounce/), hint: expect.any(String) },
    });
    expect((await auditRows(tenant.id)).map((r) => r.outcome)).toEqual(["recipient_suppressed"]);

    // The list is per stream: the same address on another stream is sent to.
    await suppress(tenant, "other-stream@example.com", "broadcast");
    const elsewhere = await sendTest(tenant, { to: "other-stream@example.com", settings: settingsFor("postmark") });
    expect(elsewhere.body.ok).toBe(true);
    expect((await serverState("untouched")).connections).toBe(0);
  });

  it("refuses line breaks in any header value and invalid addresses with 400, sending nothing", async () => {
    const tenant = await createTenant();
    await useServer(tenant, "untouched");
    const cases: [Record<string, unknown>, string][] = [
      [{ to: "person@example.com\r\nRCPT TO:<victim@example.com>" }, "to"],
      [{ to: "person@example.com\nBcc: victim@example.com" }, "to"],
      [{ to: "not an address" }, "to"],
      [{ to: "person@example.com", toName: "Pat\r\nBcc: victim@example.com" }, "toName"],
      [
        { to: "person@example.com", settings: settingsFor("untouched", { fromName: "Acme\nBcc: victim@example.com" }) },
        "settings.fromName",
      ],
      [
        { to: "person@example.com", settings: settingsFor("untouched", { fromEmail: "a@acme.example\r\nX-Evil: 1" }) },
        "settings.fromEmail",
      ],
      [
        { to: "person@example.com", settings: settingsFor("untouched", { messageStream: "outbound\r\nX-Evil: 1" }) },
        "settings.messageStream",
      ],
      [
        { to: "person@example.com", settings: settingsFor("untouched", { host: "127.0.0.1\r\nQUIT" }) },
        "settings.host",
      ],
      [{ toName: "Pat" }, "to"],
      [{ to: "person@example.com", settings: null }, "settings"],
      [{ to: "person@example.com", settings: "smtp.postmarkapp.com" }, "settings"],
    ];
    for (const [json, field] of cases) {
      const { status, body } = await sendTest(tenant, json);
      expect(status, JSON.stringify(json)).toBe(400);
      expect(body.error!.code).toBe("validation_failed");
      expect(Object.keys(body.error!.fields!), JSON.stringify(json)).toEqual([field]);
      expect(body.error!.fields![field], JSON.stringify(json)).toMatch(/^(must|is) /);
    }
    const res = await call("/v1/email/test", {
      method: "POST",
      token: tenant.token,
      body: "{",
      headers: { "Content-Type": "application/json" },
    });
    await expectError(res, 400, "invalid_json");
    expect(await auditRows(tenant.id)).toEqual([]);
    expect((await serverState("untouched")).connections).toBe(0);
  });

  it("allows 10 test emails a minute per tenant, then answers 429 without connecting", async () => {
    const tenant = await createTenant();
    const other = await createTenant();
    await useServer(tenant, "postmark");
    await useServer(other, "postmark");
    const before = (await serverState("postmark")).connections;

    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => sendTest(tenant, { to: `burst-${i}@example.com` })),
    );
    expect(results.map((r) => r.body.ok)).toEqual(Array(10).fill(true));
    const eleventh = await sendTest(tenant, { to: "eleventh@example.com" });
    expect(eleventh.status).toBe(429);
    expect(eleventh.body.error).toMatchObject({
      code: "rate_limited",
      message: expect.stringMatching(/10 test emails a minute/),
    });
    expect((await serverState("postmark")).connections).toBe(before + 10);
    expect(await auditRows(tenant.id)).toHaveLength(10);

    // Another tenant has its own allowance.
    expect((await sendTest(other, { to: "other@example.com" })).body.ok).toBe(true);
  });

  it("counts every concurrent request against the limit exactly once", async () => {
    const tenant = await createTenant();
    await useServer(tenant, "untouched");
    await suppress(tenant, "held@example.com"); // so no attempt connects anywhere
    const answers = await Promise.all(Array.from({ length: 15 }, () => sendTest(tenant, { to: "held@example.com" })));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(10);
    expect(answers.filter((a) => a.status === 429)).toHaveLength(5);
  });
});

describe("tenant isolation", () => {
  it("tenant B can neither use A's saved settings and key nor see A's tests", async () => {
    const a = await createTenant();
    const b = await createTenant();
    await useServer(a, "postmark");
    await sendTest(a, { to: "a-test@example.com" });

    const { apiKey: _none, ...withoutKey } = settingsFor("postmark");
    expect((await sendTest(b, { to: "b@example.com" })).body.error!.code).toBe("not_configured");
    expect((await sendTest(b, { to: "b@example.com", settings: withoutKey })).body.error!.code).toBe("not_configured");

    await configureEmail(b, settingsFor("postmark", { apiKey: "tenant-b-wrong-key" }));
    expect((await sendTest(b, { to: "b@example.com" })).body.error!.code).toBe("auth_failed");

    expect((await auditRows(a.id)).map((r) => r.outcome)).toEqual(["sent"]);
    expect((await auditRows(b.id)).map((r) => r.outcome)).toEqual(["not_configured", "not_configured", "auth_failed"]);
    const aSettings = await (await call("/v1/email/settings", { token: a.token })).json<Record<string, unknown>>();
    expect(aSettings.lastTest).toMatchObject({ ok: true, to: "a-test@example.com" });
    const rows = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM test_sends WHERE tenant_id = ?1 AND recipient = 'a-test@example.com'",
    )
      .bind(b.id)
      .first<{ n: number }>();
    expect(rows!.n).toBe(0);
  });
});
