// Webhooks through the Queue (issue 15): the route answers `queued` once the Queue has the event; the consumer
// commits whole batches, retries what fails, and dead-letters what never commits into D1 for the operator.
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { EVENT_MAX_RETRIES, type EventMessage } from "../src/queue/postmark-events";
import * as fx from "./fixtures/postmark-events";
import { ADMIN_TOKEN, call, createTenant, ORIGIN } from "./helpers";
import {
  basic,
  consume,
  createTenantWithWebhook,
  eventRows,
  fetchWorker,
  postEvent,
  recordingQueue,
  report,
  suppressionOf,
  suppressionRows,
  type TenantWithWebhook,
} from "./postmark-helpers";

/** Posts `body` to the tenant's callback URL and returns the message the route queued. */
async function queuedMessage(tenant: TenantWithWebhook, body: string): Promise<EventMessage> {
  const queue = recordingQueue<EventMessage>();
  const headers = {
    "Content-Type": "application/json",
    Authorization: basic(tenant.webhook.username, tenant.webhook.password),
  };
  const res = await fetchWorker(
    new Request(`${ORIGIN}/webhooks/postmark/${tenant.id}`, { method: "POST", body, headers }),
    {
      ...env,
      EVENTS_QUEUE: queue,
    },
  );
  expect(await res.json()).toEqual({ status: "queued" });
  expect(queue.sent).toHaveLength(1);
  return queue.sent[0]!;
}

const D1_DOWN = "D1_ERROR: Network connection lost.";
/** D1 that fails every call, as during an outage. */
const d1Down = {
  prepare: (sql: string) => env.DB.prepare(sql), // statements are only built; running them fails below
  batch: () => Promise.reject(new Error(D1_DOWN)),
  exec: () => Promise.reject(new Error(D1_DOWN)),
} as unknown as D1Database;

describe("the route", () => {
  it("answers queued and the local queue's consumer makes the event visible in the lookup and the report", async () => {
    const tenant = await createTenantWithWebhook();
    const res = await postEvent(tenant, fx.hardBounce); // the real (local) queue of wrangler.toml
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "queued" });
    await vi.waitFor(async () => expect(await suppressionOf(tenant, "hard.bounce@example.com")).not.toBeNull(), {
      timeout: 30_000,
      interval: 200,
    });
    expect((await report(tenant)).total).toBe(1);
  });

  it("commits directly (stored, then duplicate) when the queue refuses the message", async () => {
    const tenant = await createTenantWithWebhook();
    const refusing = {
      ...env,
      EVENTS_QUEUE: { send: () => Promise.reject(new Error("Queue overloaded")) } as unknown as Queue,
    };
    const headers = {
      "Content-Type": "application/json",
      Authorization: basic(tenant.webhook.username, tenant.webhook.password),
    };
    const post = () =>
      fetchWorker(
        new Request(`${ORIGIN}/webhooks/postmark/${tenant.id}`, { method: "POST", body: fx.hardBounce, headers }),
        refusing,
      );
    expect(await (await post()).json()).toEqual({ status: "stored" });
    expect(await (await post()).json()).toEqual({ status: "duplicate" });
    expect(await eventRows(tenant.id)).toHaveLength(1);
  });

  it("queues only what it would store: ignored events are answered at the edge", async () => {
    const tenant = await createTenantWithWebhook();
    const queue = recordingQueue();
    const headers = {
      "Content-Type": "application/json",
      Authorization: basic(tenant.webhook.username, tenant.webhook.password),
    };
    const res = await fetchWorker(
      new Request(`${ORIGIN}/webhooks/postmark/${tenant.id}`, {
        method: "POST",
        body: '{"RecordType":"Open"}',
        headers,
      }),
      { ...env, EVENTS_QUEUE: queue },
    );
    expect(await res.json()).toMatchObject({ status: "ignored" });
    const unauthorized = await fetchWorker(
      new Request(`${ORIGIN}/webhooks/postmark/${tenant.id}`, {
        method: "POST",
        body: fx.hardBounce,
        headers: { ...headers, Authorization: basic(tenant.webhook.username, "wrong") },
      }),
      { ...env, EVENTS_QUEUE: queue },
    );
    expect(unauthorized.status).toBe(401);
    expect(queue.sent).toHaveLength(0);
  });
});

describe("the consumer", () => {
  it("commits a whole batch, and a redelivery of the whole batch stores each event once", async () => {
    const tenant = await createTenantWithWebhook();
    const messages = [];
    for (let i = 1; i <= 20; i++)
      messages.push(await queuedMessage(tenant, fx.bounce(i, `user${i}@example.com`, "2026-04-01T10:00:00Z")));
    const first = await consume(messages);
    expect(first.explicitAcks).toHaveLength(20);
    const again = await consume(messages);
    expect(again.explicitAcks).toHaveLength(20);
    expect(await eventRows(tenant.id)).toHaveLength(20);
    expect(await suppressionRows(tenant.id)).toHaveLength(20);
    expect((await report(tenant)).total).toBe(20);
  });

  it("one poison message does not hold back the others of its batch", async () => {
    const tenant = await createTenantWithWebhook();
    const good = await queuedMessage(tenant, fx.hardBounce);
    const alsoGood = await queuedMessage(tenant, fx.spamComplaint);
    // A tenant that does not exist (deleted since): its rows break the foreign key, every time.
    const poison = { ...good, tenantId: "no-such-tenant", receipt: { ...good.receipt, id: crypto.randomUUID() } };
    const result = await consume([good, poison, alsoGood]);
    expect(result.explicitAcks).toHaveLength(2);
    expect(result.retryMessages).toHaveLength(1);
    expect(result.retryMessages[0]!.delaySeconds).toBeGreaterThan(0);
    expect(await eventRows(tenant.id)).toHaveLength(2);
  });

  it("retries with backoff while D1 is down (nothing acked), then stores when it is back", async () => {
    const tenant = await createTenantWithWebhook();
    const messages = [await queuedMessage(tenant, fx.hardBounce), await queuedMessage(tenant, fx.spamComplaint)];
    const down = await consume(messages, "postmark-events", { ...env, DB: d1Down });
    expect(down.explicitAcks).toHaveLength(0);
    expect(down.retryMessages.map((m) => m.delaySeconds)).toEqual([5, 5]);
    const later = await consume(messages, "postmark-events", { ...env, DB: d1Down }, 3);
    expect(later.retryMessages.map((m) => m.delaySeconds)).toEqual([20, 20]);
    expect(await eventRows(tenant.id)).toHaveLength(0);

    const back = await consume(messages, "postmark-events", env, 4);
    expect(back.explicitAcks).toHaveLength(2);
    expect(await eventRows(tenant.id)).toHaveLength(2);
    expect(await suppressionOf(tenant, "hard.bounce@example.com")).toMatchObject({ reason: "hard_bounce" });
  });

  it("keeps tenants apart inside one batch: the same event for two tenants is each tenant's own", async () => {
    const a = await createTenantWithWebhook();
    const b = await createTenantWithWebhook();
    const result = await consume([await queuedMessage(a, fx.hardBounce), await queuedMessage(b, fx.hardBounce)]);
    expect(result.explicitAcks).toHaveLength(2);
    expect(await eventRows(a.id)).toHaveLength(1);
    expect(await eventRows(b.id)).toHaveLength(1);
    // B reactivating its address leaves A's suppression alone.
    expect((await call("/v1/suppressions/hard.bounce@example.com", { method: "DELETE", token: b.token })).status).toBe(
      204,
    );
    expect(await suppressionOf(b, "hard.bounce@example.com")).toBeNull();
    expect(await suppressionOf(a, "hard.bounce@example.com")).toMatchObject({ reason: "hard_bounce" });
  });
});

describe("dead letters", () => {
  it("after the last retry: dead-lettered with the last error, kept in D1, listed, replayed once", async () => {
    const tenant = await createTenantWithWebhook();
    const message = await queuedMessage(tenant, fx.hardBounce);
    const deadQueue = recordingQueue();
    const last = await consume(
      [message],
      "postmark-events",
      { ...env, DB: d1Down, DEAD_LETTER_QUEUE: deadQueue },
      EVENT_MAX_RETRIES,
    );
    expect(last.explicitAcks).toHaveLength(1); // acked only because the dead-letter queue has it
    expect(deadQueue.sent).toEqual([{ message, lastError: `Error: ${D1_DOWN}`, attempts: EVENT_MAX_RETRIES }]);

    // The dead-letter consumer with D1 down too: retried, not acked.
    const deadDown = await consume(deadQueue.sent, "postmark-events-dead", { ...env, DB: d1Down });
    expect(deadDown.ackAll).toBe(false);
    expect(deadDown.explicitAcks).toHaveLength(0);
    expect(deadDown.retryMessages).toHaveLength(1);
    // Then kept (twice delivered, kept once).
    expect((await consume(deadQueue.sent, "postmark-events-dead")).ackAll).toBe(true);
    await consume(deadQueue.sent, "postmark-events-dead");

    const listed = await call("/v1/dead-letters", { token: ADMIN_TOKEN });
    expect(listed.status).toBe(200);
    const mine = (await listed.json<{ items: Record<string, unknown>[] }>()).items.filter(
      (d) => d.tenantId === tenant.id,
    );
    expect(mine).toEqual([
      expect.objectContaining({
        id: message.receipt.id,
        kind: "bounce",
        lastError: `Error: ${D1_DOWN}`,
        replayedAt: null,
      }),
    ]);
    expect(await eventRows(tenant.id)).toHaveLength(0);

    const replay = await call("/v1/dead-letters/replay", { method: "POST", token: ADMIN_TOKEN });
    expect(replay.status).toBe(200);
    expect(await replay.json()).toMatchObject({ failed: [], remaining: 0 });
    expect(await eventRows(tenant.id)).toHaveLength(1);
    expect(await suppressionOf(tenant, "hard.bounce@example.com")).toMatchObject({ reason: "hard_bounce" });

    const again = await call("/v1/dead-letters/replay", { method: "POST", token: ADMIN_TOKEN });
    expect(await again.json()).toMatchObject({ replayed: 0, remaining: 0 });
    expect(await eventRows(tenant.id)).toHaveLength(1);
    const pending = await (await call("/v1/dead-letters", { token: ADMIN_TOKEN })).json<{ items: { id: string }[] }>();
    expect(pending.items.map((d) => d.id)).not.toContain(message.receipt.id);
  });

  it("keeps a message the platform dead-lettered by itself (a bare event message)", async () => {
    const tenant = await createTenantWithWebhook();
    const message = await queuedMessage(tenant, fx.spamComplaint);
    await consume([message], "postmark-events-dead", env, 11);
    const row = await env.DB.prepare("SELECT * FROM dead_letters WHERE id = ?").bind(message.receipt.id).first();
    expect(row).toMatchObject({ tenant_id: tenant.id, attempts: 11 });
  });

  it("are the operator's: a tenant token, no token and bad input are refused", async () => {
    const tenant = await createTenant();
    expect((await call("/v1/dead-letters", { token: tenant.token })).status).toBe(401);
    expect((await call("/v1/dead-letters/replay", { method: "POST", token: tenant.token })).status).toBe(401);
    expect((await call("/v1/dead-letters")).status).toBe(401);
    expect((await call("/v1/dead-letters?limit=0", { token: ADMIN_TOKEN })).status).toBe(400);
    expect((await call("/v1/dead-letters?pending=maybe", { token: ADMIN_TOKEN })).status).toBe(400);
  });
});
