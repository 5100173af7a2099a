// What every route that takes a body refuses before reading it: a body that says it is not JSON, and one-line
// text fields with control characters or broken Unicode.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, call, configureEmail, createTenant, expectError, ORIGIN, VALID_SETTINGS } from "./helpers";
import { basic, createTenantWithWebhook, eventRows, fetchWorker } from "./postmark-helpers";

/** A request with a JSON body and the Content-Type given (none when null). */
function withType(path: string, method: string, auth: string, json: unknown, contentType: string | null) {
  const headers: Record<string, string> = { Authorization: auth };
  if (contentType !== null) headers["Content-Type"] = contentType;
  // A Blob body without a type: the runtime adds no Content-Type of its own.
  return fetchWorker(new Request(ORIGIN + path, { method, headers, body: new Blob([JSON.stringify(json)]) }));
}

const WRONG_TYPES = [
  null,
  "text/plain",
  "text/plain; charset=utf-8",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "application/jsonp",
  "text/json",
  "application/json; charset=utf-16",
];
const RIGHT_TYPES = [
  "application/json",
  "Application/JSON; charset=UTF-8",
  'application/json;charset="utf-8"',
  "application/vnd.api+json",
];

async function stateOf(tenantId: string) {
  const settings = await env.DB.prepare("SELECT * FROM email_settings WHERE tenant_id = ?1").bind(tenantId).first();
  const suppressions = await env.DB.prepare("SELECT count(*) AS n FROM suppressions WHERE tenant_id = ?1")
    .bind(tenantId)
    .first();
  const tenants = await env.DB.prepare("SELECT count(*) AS n FROM tenants").first();
  return JSON.stringify({ settings, suppressions, tenants });
}

describe("JSON bodies need a JSON Content-Type", () => {
  it("answers 415 unsupported_media_type on every route that takes a body, and changes nothing", async () => {
    const tenant = await createTenant();
    const bearer = `Bearer ${tenant.token}`;
    const routes: [string, string, string, unknown][] = [
      ["/v1/tenants", "POST", `Bearer ${ADMIN_TOKEN}`, { name: "Smuggled" }],
      ["/v1/email/settings", "PUT", bearer, VALID_SETTINGS],
      ["/v1/email/test", "POST", bearer, { to: "someone@example.com" }],
      ["/v1/suppressions", "POST", bearer, { emails: ["smuggled@example.com"] }],
      ["/v1/suppressions/check", "POST", bearer, { emails: ["smuggled@example.com"] }],
      ["/v1/email/webhook/rotate", "POST", bearer, { overlapHours: 0 }],
      ["/v1/deliverability/policy", "PUT", bearer, { thresholds: {}, softBounces: null }],
      ["/v1/notifications/endpoint", "PUT", bearer, { url: "https://hooks.example.com/x" }],
    ];
    const before = await stateOf(tenant.id);
    for (const [path, method, auth, json] of routes) {
      for (const type of WRONG_TYPES) {
        const error = await expectError(await withType(path, method, auth, json, type), 415, "unsupported_media_type");
        expect(error.message).toMatch(/application\/json/);
      }
    }
    expect(await stateOf(tenant.id)).toBe(before);
  });

  it("accepts application/json and application/*+json, with a UTF-8 charset or none", async () => {
    const tenant = await createTenant();
    for (const type of RIGHT_TYPES) {
      const res = await withType("/v1/email/settings", "PUT", `Bearer ${tenant.token}`, VALID_SETTINGS, type);
      expect(res.status, type).toBe(200);
    }
  });

  it("refuses a webhook event whose Content-Type is not JSON with 415, storing nothing", async () => {
    const tenant = await createTenantWithWebhook();
    const auth = basic(tenant.webhook.username, tenant.webhook.password);
    const event = {
      RecordType: "Bounce",
      ID: 8300,
      Type: "HardBounce",
      Email: "typed@example.com",
      BouncedAt: "2026-03-05T16:33:54Z",
    };
    for (const type of WRONG_TYPES) {
      await expectError(
        await withType(`/webhooks/postmark/${tenant.id}`, "POST", auth, event, type),
        415,
        "unsupported_media_type",
      );
    }
    expect(await eventRows(tenant.id)).toEqual([]);
    // Credentials are checked first: a stranger learns nothing from the media type.
    await expectError(
      await withType(`/webhooks/postmark/${tenant.id}`, "POST", "Basic eDp5", event, "text/plain"),
      401,
      "unauthorized",
    );
    const res = await withType(
      `/webhooks/postmark/${tenant.id}`,
      "POST",
      auth,
      event,
      "application/json; charset=utf-8",
    );
    expect(await res.json()).toEqual({ status: "queued" });
  });
});

describe("one-line text fields", () => {
  const BAD = {
    NUL: "a\u0000b",
    ESC: "a\u001b[31mred",
    TAB: "a\tb",
    DEL: "a\u007fb",
    C1: "a\u0085b",
    CSI: "a\u009bb",
    "bidi override RLO": "invoice\u202Efdp.exe",
    "bidi isolate LRI": "a\u2066b\u2069",
    "lone high surrogate": "a\ud800b",
    "lone low surrogate": "a\udc00b",
    "line separator": "a\u2028b",
  };

  it.each(Object.entries(BAD))(
    "refuses %s in a tenant name, a sender name and a recipient name",
    async (_what, text) => {
      const before = (await env.DB.prepare("SELECT count(*) AS n FROM tenants").first<{ n: number }>())!.n;
      const created = await call("/v1/tenants", { method: "POST", token: ADMIN_TOKEN, json: { name: text } });
      expect((await expectError(created, 400, "validation_failed")).fields).toEqual({
        name: expect.stringMatching(/^must not contain/),
      });
      expect((await env.DB.prepare("SELECT count(*) AS n FROM tenants").first<{ n: number }>())!.n).toBe(before);

      const tenant = await createTenant();
      const saved = await call("/v1/email/settings", {
        method: "PUT",
        token: tenant.token,
        json: { ...VALID_SETTINGS, fromName: text },
      });
      expect((await expectError(saved, 400, "validation_failed")).fields).toEqual({
        fromName: expect.stringMatching(/^must not contain/),
      });

      const test = await call("/v1/email/test", {
        method: "POST",
        token: tenant.token,
        json: { to: "x@example.com", toName: text },
      });
      expect((await expectError(test, 400, "validation_failed")).fields).toEqual({
        toName: expect.stringMatching(/^must not contain/),
      });
    },
  );

  it("accepts any other Unicode, emoji and right-to-left scripts included", async () => {
    const tenant = await createTenant();
    const name = "Zoë’s Café 🎉 שלום مرحبا";
    expect(await configureEmail(tenant, { ...VALID_SETTINGS, fromName: name })).toMatchObject({ fromName: name });
  });
});

describe("the OpenAPI document", () => {
  it("lists 415 on every route that takes a body, the host and port policy, and rotate's optional overlap", async () => {
    const doc = await (await call("/openapi.json")).json<{
      paths: Record<
        string,
        Record<string, { requestBody?: { required: boolean }; responses: Record<string, unknown> }>
      >;
    }>();
    const withBody = Object.values(doc.paths).flatMap((item) => Object.values(item).filter((op) => op.requestBody));
    expect(withBody.length).toBeGreaterThanOrEqual(6);
    for (const op of withBody) expect(Object.keys(op.responses)).toContain("415");
    expect(Object.keys(doc.paths["/webhooks/postmark/{tenantId}"]!.post!.responses)).toContain("415");
    const settings = doc.paths["/v1/email/settings"]!.put! as unknown as {
      requestBody: {
        content: { "application/json": { schema: { properties: Record<string, { description: string }> } } };
      };
    };
    const fields = settings.requestBody.content["application/json"].schema.properties;
    expect(fields.host!.description).toMatch(/public DNS name.*SMTP_ALLOW_PRIVATE_HOSTS/);
    expect(fields.port!.description).toMatch(/25, 587, 2525/);
    const rotate = doc.paths["/v1/email/webhook/rotate"]!.post!;
    expect(rotate.requestBody).toMatchObject({
      required: false,
      content: { "application/json": { schema: { properties: { overlapHours: { minimum: 0, maximum: 24 } } } } },
    });
  });
});
