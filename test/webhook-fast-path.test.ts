// The webhook's fast path: credentials from a short-lived per-isolate copy, and concurrent events
// committed together in one D1 batch, without giving up any guarantee of the webhook.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../src/crypto/tokens";
import type { LiveCredential } from "../src/db/webhook-credentials";
import { WebhookCredentialCache } from "../src/http/webhook-auth";
import { call, expectError, ORIGIN } from "./helpers";
import { basic, createTenantWithWebhook, eventRows, fetchWorker, type TenantWithWebhook } from "./postmark-helpers";

/** A distinct hard bounce for `email`, with its own bounce ID. */
const bounce = (email: string, id: number) =>
  `{"RecordType":"Bounce","MessageStream":"outbound","ID":${id},"Type":"HardBounce","TypeCode":1,"Email":"${email}",` +
  `"BouncedAt":"2026-03-05T16:33:54Z","Inactive":true,"CanActivate":true}`;

/** The real database, counting D1 calls, failing the batches `failBatch` picks (by call number and size). */
function countingDb(failBatch: (call: number, statements: number) => boolean = () => false) {
  const counts = { batches: 0, reads: 0 };
  const db = new Proxy(env.DB, {
    get(target, prop) {
      if (prop === "batch") {
        return async (statements: D1PreparedStatement[]) => {
          counts.batches += 1;
          if (failBatch(counts.batches, statements.length)) throw new Error("D1_ERROR: injected failure");
          return target.batch(statements);
        };
      }
      if (prop === "prepare") {
        return (sql: string) => {
          if (/^SELECT username, password_hash/.test(sql)) counts.reads += 1;
          return target.prepare(sql);
        };
      }
      const value = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  // One env object for every request, as in a deployed isolate, so they share the committer and the cache.
  // The queue refuses: these tests are about the direct path (the webhook-queue tests cover the queued one).
  const refusingQueue = { send: () => Promise.reject(new Error("Queue send failed")) } as unknown as Queue;
  return { workerEnv: { ...env, DB: db, EVENTS_QUEUE: refusingQueue } as Env, counts };
}

const post = (
  workerEnv: Env,
  tenant: TenantWithWebhook,
  body: string,
  auth = basic(tenant.webhook.username, tenant.webhook.password),
) =>
  fetchWorker(
    new Request(`${ORIGIN}/webhooks/postmark/${tenant.id}`, {
      method: "POST",
      body,
      headers: { "Content-Type": "application/json", Authorization: auth },
    }),
    workerEnv,
  );

describe("webhook credential cache", () => {
  const passwordOf = async (password: string) => sha256Hex(password);

  it("reads a tenant's credentials once, then checks later webhooks against its copy", async () => {
    const tenant = await createTenantWithWebhook();
    const { workerEnv, counts } = countingDb();
    for (let i = 0; i < 3; i++)
      expect((await post(workerEnv, tenant, bounce(`once-${i}@example.com`, 7100 + i))).status).toBe(200);
    expect(counts.reads).toBe(1);
  });

  it("sees a rotation at once: the new credentials work on the next webhook, the old ones through the overlap", async () => {
    const tenant = await createTenantWithWebhook();
    const { workerEnv } = countingDb();
    expect((await post(workerEnv, tenant, bounce("before@example.com", 7200))).status).toBe(200); // cached now
    const rotated = await (await call("/v1/email/webhook/rotate", { method: "POST", token: tenant.token })).json<
      TenantWithWebhook["webhook"]
    >();
    const withRotated = basic(rotated.username, rotated.password);
    expect((await post(workerEnv, tenant, bounce("after@example.com", 7201), withRotated)).status).toBe(200);
    expect((await post(workerEnv, tenant, bounce("old@example.com", 7202))).status).toBe(200);
  });

  it("refuses a cached credential once its expiry has passed, without waiting for the copy to age", async () => {
    const reads: Date[] = [];
    const old: LiveCredential = {
      username: "postmark-old",
      passwordHash: await passwordOf("old-password"),
      expiresAt: "2026-03-02T00:00:00.000Z",
    };
    const current: LiveCredential = {
      username: "postmark-new",
      passwordHash: await passwordOf("new-password"),
      expiresAt: null,
    };
    const cache = new WebhookCredentialCache(async (_tenant, now) => {
      reads.push(now);
      return [old, current].filter((c) => c.expiresAt === null || Date.parse(c.expiresAt) > now.getTime());
    });
    const at = (iso: string) => new Date(iso);
    expect(
      await cache.verify("t", { username: "postmark-old", password: "old-password" }, at("2026-03-01T23:59:30Z")),
    ).toBe(true);
    expect(
      await cache.verify("t", { username: "postmark-old", password: "old-password" }, at("2026-03-01T23:59:50Z")),
    ).toBe(true);
    expect(reads).toHaveLength(1); // the second check used the copy
    expect(
      await cache.verify("t", { username: "postmark-old", password: "old-password" }, at("2026-03-02T00:00:01Z")),
    ).toBe(false);
    expect(
      await cache.verify("t", { username: "postmark-new", password: "new-password" }, at("2026-03-02T00:00:02Z")),
    ).toBe(true);
  });

  it("reads again after a wrong password and after the copy's age, and never keeps an unknown tenant", async () => {
    let reads = 0;
    const current: LiveCredential = {
      username: "postmark-a",
      passwordHash: await passwordOf("right"),
      expiresAt: null,
    };
    const cache = new WebhookCredentialCache(async (tenant) => {
      reads += 1;
      return tenant === "known" ? [current] : [];
    }, 1000);
    const t0 = Date.parse("2026-03-01T00:00:00Z");
    expect(await cache.verify("known", { username: "postmark-a", password: "right" }, new Date(t0))).toBe(true);
    expect(await cache.verify("known", { username: "postmark-a", password: "wrong" }, new Date(t0 + 10))).toBe(false);
    expect(reads).toBe(2);
    expect(await cache.verify("known", { username: "postmark-a", password: "right" }, new Date(t0 + 2000))).toBe(true);
    expect(reads).toBe(3);
    expect(await cache.verify("unknown", { username: "postmark-a", password: "right" }, new Date(t0))).toBe(false);
    expect(await cache.verify("unknown", { username: "postmark-a", password: "right" }, new Date(t0))).toBe(false);
    expect(reads).toBe(5);
  });
});

describe("credentials while D1 cannot be read", () => {
  it("an older copy still opens the URL (up to its limit), a wrong password or no copy does not", async () => {
    const current = {
      username: "postmark-a",
      passwordHash: await sha256Hex("right"),
      expiresAt: null,
    };
    let down = false;
    const cache = new WebhookCredentialCache(
      async () => {
        if (down) throw new Error("D1_ERROR: Network connection lost.");
        return [current];
      },
      1000,
      60_000,
    );
    const t0 = Date.parse("2026-03-01T00:00:00Z");
    expect(await cache.verify("known", { username: "postmark-a", password: "right" }, new Date(t0))).toBe(true);
    down = true;
    expect(await cache.verify("known", { username: "postmark-a", password: "right" }, new Date(t0 + 30_000))).toBe(
      true,
    );
    await expect(
      cache.verify("known", { username: "postmark-a", password: "wrong" }, new Date(t0 + 30_000)),
    ).rejects.toThrow(/D1_ERROR/);
    await expect(
      cache.verify("known", { username: "postmark-a", password: "right" }, new Date(t0 + 61_000)),
    ).rejects.toThrow(/D1_ERROR/);
    await expect(
      cache.verify("other", { username: "postmark-a", password: "right" }, new Date(t0 + 1000)),
    ).rejects.toThrow(/D1_ERROR/);
  });
});

describe("concurrent webhooks committed together (the direct path, when the queue refuses)", () => {
  it("stores each event once, in fewer D1 batches than requests, each answered only once its event is committed", async () => {
    const tenant = await createTenantWithWebhook();
    const { workerEnv, counts } = countingDb();
    await post(workerEnv, tenant, bounce("warm@example.com", 7300)); // credentials cached, so only commits remain
    counts.batches = 0;
    const bodies = Array.from({ length: 24 }, (_, i) => bounce(`together-${i}@example.com`, 7400 + (i % 16))); // 8 duplicates
    const committedWhenAnswered = await Promise.all(
      bodies.map(async (body) => {
        const res = await post(workerEnv, tenant, body);
        const { status } = await res.json<{ status: string }>();
        const id = /"ID":(\d+)/.exec(body)![1]!;
        const row = await env.DB.prepare("SELECT 1 FROM postmark_events WHERE tenant_id = ?1 AND bounce_id = ?2")
          .bind(tenant.id, id)
          .first();
        return { http: res.status, status, committed: row !== null };
      }),
    );
    expect(committedWhenAnswered.every((a) => a.http === 200 && a.committed)).toBe(true);
    expect(committedWhenAnswered.filter((a) => a.status === "stored")).toHaveLength(16);
    expect(committedWhenAnswered.filter((a) => a.status === "duplicate")).toHaveLength(8);
    expect(counts.batches).toBeLessThan(bodies.length);
    expect((await eventRows(tenant.id)).length).toBe(17);
    const { results } = await env.DB.prepare("SELECT count(*) AS n FROM suppression_changes WHERE tenant_id = ?")
      .bind(tenant.id)
      .all<{ n: number }>();
    expect(results[0]!.n).toBe(17);
  });

  it("answers 503 to every request of a batch that fails, stores none of them, and their retries succeed", async () => {
    const tenant = await createTenantWithWebhook();
    const failing = countingDb(() => true);
    await post(countingDb().workerEnv, tenant, bounce("warm@example.com", 7500));
    const bodies = Array.from({ length: 8 }, (_, i) => bounce(`failed-${i}@example.com`, 7600 + i));
    // Only batches fail: the credential read still works, every commit does not.
    const answers = await Promise.all(bodies.map((body) => post(failing.workerEnv, tenant, body)));
    for (const res of answers) await expectError(res, 503, "storage_unavailable");
    expect((await eventRows(tenant.id)).length).toBe(1);

    const retried = await Promise.all(bodies.map((body) => post(countingDb().workerEnv, tenant, body)));
    expect(retried.map((r) => r.status)).toEqual(bodies.map(() => 200));
    expect((await eventRows(tenant.id)).length).toBe(9);
  });

  it("retries each request alone when a shared batch fails once, so none is refused for a neighbour", async () => {
    const tenant = await createTenantWithWebhook();
    let failed = false;
    // The first batch holding more than one request's statements (2 each) fails.
    const { workerEnv, counts } = countingDb((_, statements) => {
      if (failed || statements <= 2) return false;
      failed = true;
      return true;
    });
    await post(workerEnv, tenant, bounce("warm@example.com", 7700));
    const bodies = Array.from({ length: 8 }, (_, i) => bounce(`neighbour-${i}@example.com`, 7800 + i));
    const answers = await Promise.all(bodies.map((body) => post(workerEnv, tenant, body)));
    expect(answers.map((r) => r.status)).toEqual(bodies.map(() => 200));
    expect((await eventRows(tenant.id)).length).toBe(9);
    expect(failed).toBe(true);
    expect(counts.batches).toBeGreaterThan(2);
  });
});
