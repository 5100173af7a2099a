// Where the Worker may connect for a test email, and where the saved Postmark key may go: only to the host and
// port it was saved with, and by default only to Postmark's SMTP ports on public hosts.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { smtpDestinationProblems } from "../src/postmark/smtp-destination";
import { call, configureEmail, createTenant, expectError, ORIGIN, storedRow, VALID_SETTINGS } from "./helpers";
import { fetchWorker } from "./postmark-helpers";
import { arrivedAt, sendTest, serverState, settingsFor, smtp, uniqueRecipient, useServer } from "./smtp-helpers";

describe("the saved key goes only to the host and port it was saved with", () => {
  it("refuses a PUT that moves the settings to another host or port without the key, and changes nothing", async () => {
    const tenant = await createTenant();
    await useServer(tenant, "postmark");
    const before = await storedRow(tenant.id);
    const { apiKey: _none, ...withoutKey } = settingsFor("postmark");

    for (const moved of [
      { ...withoutKey, host: "localhost" },
      { ...withoutKey, port: smtp.ports.noStartTls },
      { ...withoutKey, host: "smtp.attacker.example", port: 587 },
    ]) {
      const res = await call("/v1/email/settings", { method: "PUT", token: tenant.token, json: moved });
      const error = await expectError(res, 400, "validation_failed");
      expect(error.fields).toEqual({ apiKey: expect.stringMatching(/must be entered again/) });
      expect(await storedRow(tenant.id)).toEqual(before);
    }

    // The two-step attack ends here: the next test send still goes to the saved server, with the saved key.
    const to = uniqueRecipient("two-step");
    expect((await sendTest(tenant, { to })).body).toMatchObject({ ok: true, port: smtp.ports.postmark });
    expect((await arrivedAt(to))[0]!.authUser).toBe(smtp.token);
  });

  it("keeps the key when host and port stay (in any letter case), and moves with a new key", async () => {
    const tenant = await createTenant();
    await configureEmail(tenant, { ...VALID_SETTINGS, host: "smtp.postmarkapp.com" });
    const { apiKey: _none, ...withoutKey } = VALID_SETTINGS;
    expect(
      await configureEmail(tenant, { ...withoutKey, host: "SMTP.PostmarkApp.com", fromName: "Kept" }),
    ).toMatchObject({ fromName: "Kept", apiKey: { set: true, last4: "a1b2" } });
    expect(
      await configureEmail(tenant, {
        ...withoutKey,
        host: "smtp-broadcasts.postmarkapp.com",
        apiKey: "new-server-token-9z9z",
      }),
    ).toMatchObject({ host: "smtp-broadcasts.postmarkapp.com", apiKey: { set: true, last4: "9z9z" } });
  });

  it("refuses a test with unsaved settings on the saved host but another port, without the key", async () => {
    const tenant = await createTenant();
    await useServer(tenant, "postmark");
    const { apiKey: _none, ...withoutKey } = settingsFor("noStartTls");
    const before = (await serverState("noStartTls")).connections;
    const { status, body } = await sendTest(tenant, { to: uniqueRecipient("port"), settings: withoutKey });
    expect(status).toBe(400);
    expect(body.error).toMatchObject({
      code: "validation_failed",
      fields: { "settings.apiKey": expect.stringMatching(/^is required/) },
    });
    expect((await serverState("noStartTls")).connections).toBe(before);
  });
});

/** Calls the Worker with the production default: SMTP_ALLOW_PRIVATE_HOSTS unset. */
function strictCall(path: string, token: string, method: string, json: unknown, vars: Partial<Env> = {}) {
  const { SMTP_ALLOW_PRIVATE_HOSTS: _lifted, ...strictEnv } = env;
  return fetchWorker(
    new Request(ORIGIN + path, {
      method,
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify(json),
    }),
    { ...strictEnv, ...vars } as Env,
  );
}

describe("the host and port policy", () => {
  const refusedHosts = [
    "127.0.0.1",
    "localhost",
    "LocalHost",
    "mail.localhost",
    "printer.local",
    "metadata.google.internal",
    "mailhost", // a single label: resolved through search domains, never a public name
    "169.254.169.254",
    "10.0.0.1",
    "172.16.0.1",
    "192.168.1.1",
    "100.64.0.1",
    "0.0.0.0",
    "224.0.0.1",
    "240.0.0.1",
    "255.255.255.255",
    "192.0.2.1",
    "198.51.100.7",
    "203.0.113.9",
    "198.18.0.1",
    // Numeric spellings of 127.0.0.1 (and of a public address) that resolvers accept: decimal, hex, octal, short.
    "2130706433",
    "0x7f000001",
    "017700000001",
    "127.1",
    "0x7f.1",
    "0177.0.0.1",
    "134744072", // 8.8.8.8
    "1.2.3.09",
    "[::1]",
    "::1",
    "::",
    "::ffff:127.0.0.1",
    "::ffff:7f00:1",
    "::127.0.0.1",
    "64:ff9b::a00:1",
    "fe80::1",
    "fe80::1%eth0",
    "fc00::1",
    "fd12:3456::1",
    "ff02::1",
    "2001:db8::1",
    "2002:7f00:1::1",
    "2001::1",
    "3fff::1",
    "100::1",
  ];
  const allowedHosts = ["smtp.postmarkapp.com", "SMTP.PostmarkApp.com", "mail.example.com", "8.8.8.8", "2606:4700::1"];

  it.each(refusedHosts)("refuses the host %s", (host) => {
    expect(smtpDestinationProblems(host, 587, false)).toEqual({ host: expect.stringMatching(/^must be/) });
  });

  it.each(allowedHosts)("allows the host %s", (host) => {
    expect(smtpDestinationProblems(host, 587, false)).toEqual({});
  });

  it("allows only Postmark's SMTP ports", () => {
    for (const port of [25, 587, 2525])
      expect(smtpDestinationProblems("smtp.postmarkapp.com", port, false)).toEqual({});
    for (const port of [1, 22, 80, 443, 465, 2526, 6379, 65535])
      expect(smtpDestinationProblems("smtp.postmarkapp.com", port, false)).toEqual({
        port: "must be one of Postmark's SMTP ports: 25, 587, 2525",
      });
  });

  it("is lifted entirely by allowPrivate (SMTP_ALLOW_PRIVATE_HOSTS=true)", () => {
    for (const host of refusedHosts) expect(smtpDestinationProblems(host, 2526, true)).toEqual({});
  });
});

describe("the policy on the routes (SMTP_ALLOW_PRIVATE_HOSTS unset, as in production)", () => {
  it("refuses saved settings with a private host or another port, and saves nothing", async () => {
    const tenant = await createTenant();
    for (const [settings, fields] of [
      [{ host: "127.0.0.1" }, ["host"]],
      [{ host: "0x7f000001", port: 25 }, ["host"]],
      [{ host: "metadata.google.internal" }, ["host"]],
      [{ host: "smtp.postmarkapp.com", port: 6379 }, ["port"]],
      [{ host: "169.254.169.254", port: 80 }, ["host", "port"]],
    ] as const) {
      const res = await strictCall("/v1/email/settings", tenant.token, "PUT", { ...VALID_SETTINGS, ...settings });
      const error = await expectError(res, 400, "validation_failed");
      expect(Object.keys(error.fields ?? {}).sort()).toEqual([...fields]);
      expect(await storedRow(tenant.id)).toBeNull();
    }
    const saved = await strictCall("/v1/email/settings", tenant.token, "PUT", { ...VALID_SETTINGS, port: 2525 });
    expect(saved.status).toBe(200);
  });

  it("refuses settings sent with a test under settings.host / settings.port, without connecting", async () => {
    const tenant = await createTenant();
    const before = (await serverState("postmark")).connections;
    for (const [settings, field] of [
      [settingsFor("postmark", { port: 587 }), "settings.host"],
      [settingsFor("postmark", { host: "127.1", port: 587 }), "settings.host"],
      [settingsFor("postmark", { host: "smtp.postmarkapp.com" }), "settings.port"],
    ] as const) {
      const res = await strictCall("/v1/email/test", tenant.token, "POST", { to: "x@example.com", settings });
      const error = await expectError(res, 400, "validation_failed");
      expect(Object.keys(error.fields ?? {})).toEqual([field]);
    }
    expect((await serverState("postmark")).connections).toBe(before);
  });

  it("does not send with settings saved before the policy that it refuses", async () => {
    const tenant = await createTenant();
    await useServer(tenant, "postmark"); // saved while private hosts were allowed
    const before = (await serverState("postmark")).connections;
    const res = await strictCall("/v1/email/test", tenant.token, "POST", { to: uniqueRecipient("old") });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: false, error: { code: "not_configured" } });
    expect((await serverState("postmark")).connections).toBe(before);
  });

  it('is lifted only by exactly "true"', async () => {
    const tenant = await createTenant();
    for (const value of ["TRUE", "1", "yes", " true", ""]) {
      const res = await strictCall(
        "/v1/email/settings",
        tenant.token,
        "PUT",
        { ...VALID_SETTINGS, host: "127.0.0.1" },
        { SMTP_ALLOW_PRIVATE_HOSTS: value },
      );
      await expectError(res, 400, "validation_failed");
    }
    const lifted = await strictCall(
      "/v1/email/settings",
      tenant.token,
      "PUT",
      { ...VALID_SETTINGS, host: "127.0.0.1", port: 2526 },
      { SMTP_ALLOW_PRIVATE_HOSTS: "true" },
    );
    expect(lifted.status).toBe(200);
  });
});
