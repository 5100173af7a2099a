// Where the Worker may connect for a test email, and where the saved Postmark key may go: only to the host and
// port it was saved with, and by default only to Postmark's SMTP ports on public hosts.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, configureEmail, createTenant, expectError, ORIGIN, VALID_SETTINGS } from "./helpers";
import { fetchWorker } from "./postmark-helpers";
import { arrivedAt, sendTest, serverState, settingsFor, smtp, uniqueRecipient, useServer } from "./smtp-helpers";

async function storedRow(tenantId: string) {
  return env.DB.prepare("SELECT * FROM email_settings WHERE tenant_id = ?")
    .bind(tenantId)
    .first<Record<string, unknown>>();
}

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
        apiKey: "moved-key-7q7q",
      }),
    ).toMatchObject({ host: "smtp-broadcasts.postmarkapp.com", apiKey: { set: true, last4: "7q7q" } });
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
