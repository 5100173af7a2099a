// Helpers for the webhook and suppression tests: a tenant's callback credentials, posting events, reading state.
import { createExecutionContext, createMessageBatch, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
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

/**
 * A producer that keeps what the route sends, so a test can hand exactly those messages to the consumer (and
 * know when they are committed) instead of waiting for the local queue's batch timeout.
 */
export function recordingQueue<Body = unknown>(): Queue<Body> & { sent: Body[] } {
  const sent: Body[] = [];
  return {
    sent,
    async send(body: Body) {
      sent.push(structuredClone(body));
    },
    async sendBatch(messages: Iterable<MessageSendRequest<Body>>) {
      for (const m of messages) sent.push(structuredClone(m.body));
    },
    async metrics() {
      return { backlogCount: sent.length, backlogBytes: 0 };
    },
  } as unknown as Queue<Body> & { sent: Body[] };
}

let messageCounter = 0;

/** Runs the Worker's queue() handler on `bodies` as one batch from `queue`; returns which were acked or retried. */
export interface ConsumeResult {
  ackAll: boolean;
  explicitAcks: string[];
  retryMessages: { msgId: string; delaySeconds: number | undefined }[];
}

export async function consume(
  bodies: unknown[],
  queue = "postmark-events",
  workerEnv: Env = env,
  attempts = 1,
): Promise<ConsumeResult> {
  const batch = createMessageBatch(
    queue,
    bodies.map((body) => ({ id: `m-${++messageCounter}`, timestamp: new Date(), attempts, body })),
  );
  // getQueueResult does not report retry()'s delay (vitest-pool-workers 0.15): recorded here, by message id.
  const delays = new Map<string, number | undefined>();
  for (const m of batch.messages) {
    const retry = m.retry.bind(m);
    m.retry = (options?: QueueRetryOptions) => {
      delays.set(m.id, options?.delaySeconds);
      retry(options);
    };
  }
  const ctx = createExecutionContext();
  await (worker as ExportedHandler<Env>).queue!(batch, workerEnv, ctx);
  const result: { ackAll: boolean; explicitAcks: string[]; retryMessages: { msgId: string }[] } = await getQueueResult(
    batch,
    ctx,
  );
  return {
    ackAll: result.ackAll,
    explicitAcks: result.explicitAcks,
    retryMessages: result.retryMessages.map((r: { msgId: string }) => ({
      msgId: r.msgId,
      delaySeconds: delays.get(r.msgId),
    })),
  };
}

/**
 * Posts as Postmark would and expects a 200: an event to store is `queued`, then this runs the consumer on the
 * message the route queued and expects it acked (committed). `duplicate` is the same: the consumer's
 * statements are idempotent, so the caller checks the rows.
 */
export async function deliver(
  tenant: TenantWithWebhook,
  body: string,
  status: "stored" | "duplicate" | "ignored" = "stored",
) {
  const queue = recordingQueue();
  const headers = {
    "Content-Type": "application/json",
    Authorization: basic(tenant.webhook.username, tenant.webhook.password),
  };
  const res = await fetchWorker(
    new Request(`${ORIGIN}/webhooks/postmark/${tenant.id}`, { method: "POST", body, headers }),
    { ...env, EVENTS_QUEUE: queue },
  );
  expect(res.status, await res.clone().text()).toBe(200);
  if (status === "ignored") {
    expect(await res.json()).toMatchObject({ status });
    expect(queue.sent).toHaveLength(0);
    return;
  }
  expect(await res.json()).toEqual({ status: "queued" });
  expect(queue.sent).toHaveLength(1);
  const result = await consume(queue.sent);
  expect(result.explicitAcks).toHaveLength(1);
  expect(result.retryMessages).toHaveLength(0);
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
