// Every JSON answer a route gives matches the response schema its declaration publishes in /openapi.json
// (strict objects: a field the document does not list fails too).

import * as v from "valibot";
import { describe, expect, inject, it } from "vitest";
import { deliverabilityApi } from "../src/schemas/deliverability";
import { emailSettingsApi } from "../src/schemas/email-settings";
import { notificationsApi } from "../src/schemas/notifications";
import { postmarkConnectionApi } from "../src/schemas/postmark-connection";
import { callbackUrlApi, webhookReceiverApi } from "../src/schemas/postmark-webhook";
import type { RouteDeclaration } from "../src/schemas/route";
import { serviceApi } from "../src/schemas/service";
import { reportsApi, suppressionsApi } from "../src/schemas/suppressions";
import { tenantsApi } from "../src/schemas/tenants";
import { testEmailApi } from "../src/schemas/test-email";
import * as fx from "./fixtures/postmark-events";
import { ADMIN_TOKEN, call, configureEmail, createTenant, VALID_SETTINGS } from "./helpers";
import { connectedTenant, injectFault, newPostmarkServer } from "./postmark-api-helpers";
import { deliver, getWebhook, postEvent } from "./postmark-helpers";

/** Asserts the status and that the body matches the declaration's schema for it; returns the body. */
async function expectDeclared(route: RouteDeclaration, res: Response, status: number) {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  const answer = route.responses[status];
  expect(answer, `${route.method} ${route.path} declares ${status}`).toBeTypeOf("object");
  const body: unknown = JSON.parse(text);
  const result = v.safeParse((answer as { body: v.GenericSchema }).body, body);
  expect(result.issues?.map((i) => `${v.getDotPath(i) ?? "body"}: ${i.message}`) ?? [], text).toEqual([]);
  return body as Record<string, unknown>;
}

describe("answers match their declared response schemas", () => {
  it("suppression sync routes (against the Postmark stand-in)", async () => {
    const tenant = await createTenant();
    const { token } = await newPostmarkServer();
    await configureEmail(tenant, { ...VALID_SETTINGS, apiKey: token });
    const auth = { token: tenant.token };
    await expectDeclared(
      suppressionsApi.import,
      await call("/v1/suppressions/import", { method: "POST", ...auth, json: {} }),
      200,
    );
    const added = await expectDeclared(
      suppressionsApi.add,
      await call("/v1/suppressions", { method: "POST", ...auth, json: { emails: ["contract@example.com"] } }),
      200,
    );
    expect(added).toEqual({ added: 1, postmark: [{ email: "contract@example.com", state: "done" }] });
    await expectDeclared(suppressionsApi.get, await call("/v1/suppressions/contract@example.com", auth), 200);
    await expectDeclared(suppressionsApi.list, await call("/v1/suppressions", auth), 200);
    await expectDeclared(suppressionsApi.push, await call("/v1/suppressions/contract@example.com/postmark", auth), 200);
  });

  it("service and operator routes", async () => {
    await expectDeclared(serviceApi.health, await call("/health"), 200);
    const admin = { token: ADMIN_TOKEN };
    const created = await expectDeclared(
      tenantsApi.create,
      await call("/v1/tenants", { method: "POST", ...admin, json: { name: "Contract" } }),
      201,
    );
    await expectDeclared(tenantsApi.list, await call("/v1/tenants", admin), 200);
    await expectDeclared(tenantsApi.get, await call(`/v1/tenants/${created.id}`, admin), 200);
    await expectDeclared(
      tenantsApi.issueToken,
      await call(`/v1/tenants/${created.id}/tokens`, { method: "POST", ...admin }),
      201,
    );
    await expectDeclared(tenantsApi.listTokens, await call(`/v1/tenants/${created.id}/tokens`, admin), 200);
  });

  it("tenant routes and the webhook receiver", async () => {
    const tenant = await createTenant();
    const auth = { token: tenant.token };
    const notSent = await expectDeclared(
      testEmailApi.send,
      await call("/v1/email/test", { method: "POST", ...auth, json: { to: "ann@example.com" } }),
      200,
    );
    expect(notSent).toMatchObject({ ok: false, error: { code: "not_configured" } });

    await configureEmail(tenant);
    await expectDeclared(emailSettingsApi.get, await call("/v1/email/settings", auth), 200);
    await expectDeclared(
      emailSettingsApi.save,
      await call("/v1/email/settings", { method: "PUT", ...auth, json: { fromEmail: "news@acme.example" } }),
      200,
    );

    await expectDeclared(callbackUrlApi.get, await call("/v1/email/webhook", auth), 200);
    await expectDeclared(
      callbackUrlApi.rotate,
      await call("/v1/email/webhook/rotate", { method: "POST", ...auth }),
      200,
    );
    const withWebhook = { ...tenant, webhook: await getWebhook(tenant) };
    await expectDeclared(webhookReceiverApi.receive, await postEvent(withWebhook, fx.hardBounce), 200);
    await expectDeclared(webhookReceiverApi.receive, await postEvent(withWebhook, fx.hardBounce), 200);
    await expectDeclared(webhookReceiverApi.receive, await postEvent(withWebhook, '{"RecordType":"Open"}'), 200);
    await deliver(withWebhook, fx.hardBounce, "duplicate"); // committed by the queue consumer before the reads below

    await expectDeclared(
      suppressionsApi.add,
      await call("/v1/suppressions", { method: "POST", ...auth, json: { emails: ["bob@example.com"] } }),
      200,
    );
    const page = await expectDeclared(suppressionsApi.list, await call("/v1/suppressions?limit=1", auth), 200);
    expect(page.nextCursor).toBeTypeOf("string");
    const listed = await expectDeclared(suppressionsApi.list, await call("/v1/suppressions", auth), 200);
    expect((listed.items as { bounceType?: string }[]).some((s) => s.bounceType)).toBe(true);
    await expectDeclared(suppressionsApi.get, await call("/v1/suppressions/bob%40example.com", auth), 200);
    await expectDeclared(
      suppressionsApi.check,
      await call("/v1/suppressions/check", { method: "POST", ...auth, json: { emails: ["bob@example.com", "x@y.z"] } }),
      200,
    );
    await call("/v1/suppressions/bob%40example.com", { method: "DELETE", ...auth });
    const changes = await expectDeclared(suppressionsApi.changes, await call("/v1/suppressions/changes", auth), 200);
    expect((changes.items as unknown[]).length).toBeGreaterThanOrEqual(3);
    await expectDeclared(
      reportsApi.bounces,
      await call("/v1/reports/bounces?from=2026-01-01&to=2026-12-31", auth),
      200,
    );
  });

  it("deliverability and notification routes", async () => {
    const { tenant } = await connectedTenant();
    const auth = { token: tenant.token };
    await expectDeclared(deliverabilityApi.get, await call("/v1/deliverability", auth), 200);
    const policy = await expectDeclared(
      deliverabilityApi.getPolicy,
      await call("/v1/deliverability/policy", auth),
      200,
    );
    await expectDeclared(
      deliverabilityApi.putPolicy,
      await call("/v1/deliverability/policy", {
        method: "PUT",
        ...auth,
        json: { ...policy, softBounces: { count: 3, withinDays: 7 } },
      }),
      200,
    );
    await expectDeclared(deliverabilityApi.get, await call("/v1/deliverability", auth), 200);
    await expectDeclared(reportsApi.bounces, await call("/v1/reports/bounces", auth), 200);
    await expectDeclared(notificationsApi.get, await call("/v1/notifications", auth), 200);
    const url = `${inject("notifications").url}/hooks/ok/contract`;
    await expectDeclared(
      notificationsApi.putEndpoint,
      await call("/v1/notifications/endpoint", { method: "PUT", ...auth, json: { url } }),
      200,
    );
    await expectDeclared(
      notificationsApi.rotate,
      await call("/v1/notifications/endpoint/rotate", { method: "POST", ...auth }),
      200,
    );
    await expectDeclared(notificationsApi.test, await call("/v1/notifications/test", { method: "POST", ...auth }), 200);
    await expectDeclared(notificationsApi.get, await call("/v1/notifications", auth), 200);
  });

  it("the routes that talk to Postmark, reachable and not", async () => {
    const { tenant, postmark } = await connectedTenant();
    const auth = { token: tenant.token };
    await expectDeclared(emailSettingsApi.get, await call("/v1/email/settings", auth), 200);
    await expectDeclared(postmarkConnectionApi.get, await call("/v1/email/postmark", auth), 200);
    const install = () => call("/v1/email/webhook/install", { method: "POST", ...auth });
    await expectDeclared(callbackUrlApi.install, await install(), 200);
    const rotate = () => call("/v1/email/webhook/rotate", { method: "POST", ...auth });
    expect((await expectDeclared(callbackUrlApi.rotate, await rotate(), 200)).postmark).toMatchObject({
      updated: true,
    });
    await expectDeclared(postmarkConnectionApi.get, await call("/v1/email/postmark", auth), 200);

    await injectFault({ token: postmark.token, status: 500, times: 4 });
    const down = await expectDeclared(postmarkConnectionApi.get, await call("/v1/email/postmark", auth), 200);
    expect(down.reachable).toBe(false);
    expect((await expectDeclared(callbackUrlApi.rotate, await rotate(), 200)).postmark).toMatchObject({
      updated: false,
    });
    await expectDeclared(
      callbackUrlApi.uninstall,
      await call("/v1/email/webhook/install", { method: "DELETE", ...auth }),
      200,
    );
  });
});
