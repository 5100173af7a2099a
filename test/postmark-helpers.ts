// Helpers for the webhook and suppression tests: a tenant's callback credentials, posting events, reading state.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import worker from "../src/index";
import { call, createTenant, ORIGIN, type TestTenant } from "./helpers";

export interface Webhook {
  url: string;
  username: string;
  password: string;
  urlWithCredentials: string;
  lastEvent: { kind: string; type: string; stream: string; email: string | null } | null;
}

export interface TenantWithWebhook extends TestTenant {
  webhook: Webhook;
}

export async function getWebhook(tenant: TestTenant): Promise<Webhook> {
  const res = await call("/v1/email/webhook", { token: tenant.token });
  expect(res.status).toBe(200);
  return res.json();
}

/** A fresh tenant with its callback credentials. */
export async function createTenantWithWebhook(): Promise<TenantWithWebhook> {
  const tenant = await createTenant();
  return { ...tenant, webhook: await getWebhook(tenant) };
}

export const basic = (username: string, password: string) => `Basic ${btoa(`${username}:${password}`)}`;

/**
 * Calls the Worker's fetch handler with a given env. Also used for bulk requests: in this test pool each
 * `exports.default.fetch` within one test gets slower than the last (about 50 ms after 500 calls).
 */
export async function fetchWorker(request: Request, workerEnv: Env = env): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(request, workerEnv, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

/** Posts a raw body to a tenant's callback URL as Postmark would. */
export function postEvent(
  tenant: TenantWithWebhook,
  body: string,
  auth = basic(tenant.webhook.username, tenant.webhook.password),
  tenantId = tenant.id,
) {
  const headers = { "Content-Type": "application/json", Authorization: auth };
  return fetchWorker(new Request(`${ORIGIN}/webhooks/postmark/${tenantId}`, { method: "POST", body, headers }));
}

/** Posts and expects a 200 with the given status. */
export async function deliver(
  tenant: TenantWithWebhook,
  body: string,
  status: "stored" | "duplicate" | "ignored" = "stored",
) {
  const res = await postEvent(tenant, body);
  expect(res.status, await res.clone().text()).toBe(200);
  expect(await res.json()).toMatchObject({ status });
}

/** The suppression of an address through the API, or null when it is active. */
export async function suppressionOf(tenant: TestTenant, email: string, stream = "outbound") {
  const res = await call(`/v1/suppressions/${encodeURIComponent(email)}?stream=${stream}`, { token: tenant.token });
  if (res.status === 404) return null;
  expect(res.status).toBe(200);
  return res.json<Record<string, unknown>>();
}

export async function report(tenant: TestTenant, query = "from=2026-01-01&to=2026-12-31") {
  const res = await call(`/v1/reports/bounces?${query}`, { token: tenant.token });
  expect(res.status).toBe(200);
  return res.json<{
    from: string;
    to: string;
    total: number;
    byType: Record<string, number>;
    byDay: {
      date: string;
      count: number;
      complaints: number;
      sent: number | null;
      bounceRate: number | null;
      complaintRate: number | null;
    }[];
    bySource: { recipient: number; sender: number };
    spamComplaints: number;
    suppressed: number;
    sent: number | null;
    bounceRate: number | null;
    complaintRate: number | null;
    ratesReason: string | null;
  }>();
}

export async function eventRows(tenantId: string) {
  const { results } = await env.DB.prepare("SELECT * FROM postmark_events WHERE tenant_id = ?1 ORDER BY event_key")
    .bind(tenantId)
    .all<Record<string, unknown>>();
  return results;
}

export async function suppressionRows(tenantId: string) {
  const { results } = await env.DB.prepare("SELECT * FROM suppressions WHERE tenant_id = ?1 ORDER BY email, stream")
    .bind(tenantId)
    .all<Record<string, unknown>>();
  return results;
}
