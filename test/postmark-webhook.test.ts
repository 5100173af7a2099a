import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import * as fx from "./fixtures/postmark-events";
import { call, createTenant, expectError, ORIGIN } from "./helpers";
import {
  basic,
  createTenantWithWebhook,
  deliver,
  eventRows,
  fetchWorker,
  getWebhook,
  postEvent,
  report,
  suppressionOf,
  suppressionRows,
  type TenantWithWebhook,
} from "./postmark-helpers";

describe("webhook credentials", () => {
  it("shows a callback URL with Basic credentials, the same on every read, the password stored only sealed and hashed", async () => {
    const tenant = await createTenant();
    const first = await getWebhook(tenant);
    expect(first.url).toBe(`${ORIGIN}/webhooks/postmark/${tenant.id}`);
    expect(first.username).toMatch(/^postmark-[0-9a-f]{8}$/);
    expect(first.password).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const withCredentials = new URL(first.urlWithCredentials);
    expect([withCredentials.username, withCredentials.password]).toEqual([first.username, first.password]);
    expect(withCredentials.origin + withCredentials.pathname).toBe(first.url);
    expect(await getWebhook(tenant)).toEqual(first);

    const { results } = await env.DB.prepare("SELECT * FROM webhook_credentials WHERE tenant_id = ?")
      .bind(tenant.id)
      .all();
    expect(results).toHaveLength(1);
    expect(JSON.stringify(results)).not.toContain(first.password);
  });

  it("says which event last came through it, its own tenant's only", async () => {
    const tenant = await createTenantWithWebhook();
    const other = await createTenantWithWebhook();
    expect((await getWebhook(tenant)).lastEvent).toBeNull();
    await deliver(tenant, fx.hardBounce);
    expect((await getWebhook(tenant)).lastEvent).toMatchObject({
      kind: "bounce",
      type: "HardBounce",
      email: "hard.bounce@example.com",
      stream: "outbound",
    });
    expect((await getWebhook(other)).lastEvent).toBeNull();
  });

  it("requires the tenant token", async () => {
    await expectError(await call("/v1/email/webhook"), 401, "unauthorized");
    await expectError(await call("/v1/email/webhook/rotate", { method: "POST" }), 401, "unauthorized");
  });
});

describe("webhook auth", () => {
  it("answers the same 401 to no credentials, a wrong password, another tenant's credentials and an unknown tenant", async () => {
    const a = await createTenantWithWebhook();
    const b = await createTenantWithWebhook();
    const attempts: [string, Promise<Response>][] = [
      ["none", call(`/webhooks/postmark/${a.id}`, { method: "POST", body: fx.hardBounce })],
      ["bearer", postEvent(a, fx.hardBounce, `Bearer ${a.token}`)],
      ["garbage", postEvent(a, fx.hardBounce, "Basic %%%")],
      ["no colon", postEvent(a, fx.hardBounce, `Basic ${btoa(a.webhook.username)}`)],
      ["wrong password", postEvent(a, fx.hardBounce, basic(a.webhook.username, `${a.webhook.password}x`))],
      ["wrong user", postEvent(a, fx.hardBounce, basic("postmark-00000000", a.webhook.password))],
      ["B's credentials on A's URL", postEvent(a, fx.hardBounce, basic(b.webhook.username, b.webhook.password))],
      ["unknown tenant", postEvent(a, fx.hardBounce, basic(a.webhook.username, a.webhook.password), "no-such-tenant")],
    ];
    const bodies = new Set<string>();
    for (const [name, pending] of attempts) {
      const res = await pending;
      expect(res.status, name).toBe(401);
      expect(res.headers.get("WWW-Authenticate")).toMatch(/^Basic /);
      bodies.add(await res.text());
    }
    expect(bodies.size).toBe(1);
    expect(await eventRows(a.id)).toEqual([]);
    expect(await suppressionOf(a, "hard.bounce@example.com")).toBeNull();
  });

  it("accepts rotated credentials and keeps the previous ones for 24 hours only", async () => {
    const tenant = await createTenantWithWebhook();
    const old = tenant.webhook;
    const res = await call("/v1/email/webhook/rotate", { method: "POST", token: tenant.token });
    expect(res.status).toBe(200);
    const { postmark, ...rotated } = await res.json<typeof old & { postmark: unknown }>();
    expect(rotated.password).not.toBe(old.password);
    expect(rotated.username).not.toBe(old.username);
    expect(await getWebhook(tenant)).toEqual({ ...rotated, lastEvent: null });
    expect(postmark).toMatchObject({ updated: false }); // no settings, so no webhook in Postmark to update

    // Inside the overlap both work.
    expect((await postEvent(tenant, fx.softBounce, basic(old.username, old.password))).status).toBe(200);
    expect((await postEvent(tenant, fx.transient, basic(rotated.username, rotated.password))).status).toBe(200);

    // 24 hours (and a second) later the old credentials stop working, though the Worker has them cached.
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      vi.setSystemTime(Date.now() + 24 * 3600_000 + 1000);
      await expectError(
        await postEvent(tenant, fx.autoResponder, basic(old.username, old.password)),
        401,
        "unauthorized",
      );
      expect((await postEvent(tenant, fx.autoResponder, basic(rotated.username, rotated.password))).status).toBe(200);
    } finally {
      vi.useRealTimers();
    }
  });

  it("keeps every credential rotated out in the last 24 hours working (a double rotation does not cut Postmark off)", async () => {
    const tenant = await createTenantWithWebhook();
    const first = tenant.webhook;
    await call("/v1/email/webhook/rotate", { method: "POST", token: tenant.token });
    const third = await (await call("/v1/email/webhook/rotate", { method: "POST", token: tenant.token })).json<
      typeof first
    >();
    expect((await postEvent(tenant, fx.softBounce, basic(first.username, first.password))).status).toBe(200);
    expect((await postEvent(tenant, fx.transient, basic(third.username, third.password))).status).toBe(200);
  });
});

describe("each published payload through the route", () => {
  it("suppresses, counts or ignores each one, and the report counts them once", async () => {
    const tenant = await createTenantWithWebhook();
    const stored = [
      fx.hardBounce,
      fx.spamComplaint,
      fx.subscriptionChangeHardBounce,
      fx.unsubscribe,
      fx.unsubscribeOlderDocs,
      fx.customerSuppression,
      fx.broadcastSpamChange,
      fx.bounceWithoutRecordType,
      fx.spamWithoutRecordType,
      fx.unsubscribeBounceWithoutEmail,
      fx.softBounce,
      fx.transient,
      fx.autoResponder,
      fx.inactiveDnsError,
    ];
    const ignored = [fx.delivery, fx.deliveryWithoutRecordType, fx.open, fx.click, fx.inbound];
    for (const body of stored) await deliver(tenant, body, "stored");
    for (const body of ignored) await deliver(tenant, body, "ignored");

    const expected: [string, string, Record<string, unknown> | null][] = [
      [
        "hard.bounce@example.com",
        "outbound",
        {
          reason: "hard_bounce",
          origin: "postmark",
          bounceType: "HardBounce",
          canReactivate: true,
          suppressedAt: "2026-03-05T16:33:54.907Z",
          details: expect.stringContaining("550 5.1.1"),
        },
      ],
      [
        "complainer@example.com",
        "outbound",
        { reason: "spam_complaint", bounceType: "SpamComplaint", canReactivate: false },
      ],
      ["bounced-address@example.org", "outbound", { reason: "hard_bounce", bounceType: "HardBounce" }],
      ["leaver@example.com", "outbound", { reason: "unsubscribe", canReactivate: true }],
      ["old-docs@example.org", "outbound", { reason: "unsubscribe" }],
      ["blocked-by-customer@example.com", "outbound", { reason: "manual", origin: "postmark" }],
      ["newsletter-complainer@example.com", "broadcast", { reason: "spam_complaint", canReactivate: false }],
      ["newsletter-complainer@example.com", "outbound", null],
      ["no-record-type@example.com", "outbound", { reason: "hard_bounce", suppressedAt: "2026-03-05T03:28:10.273Z" }],
      ["curl-complainer@example.com", "outbound", { reason: "spam_complaint" }],
      ["no-such-domain@example.invalid", "outbound", { reason: "hard_bounce", bounceType: "DnsError" }],
      ["full-mailbox@example.com", "outbound", null],
      ["slow-server@example.com", "outbound", null],
      ["on-holiday@example.com", "outbound", null],
      ["john@example.com", "outbound", null],
    ];
    for (const [email, stream, state] of expected) {
      const found = await suppressionOf(tenant, email, stream);
      if (state === null) expect(found, email).toBeNull();
      else expect(found, email).toMatchObject({ email, stream, ...state });
    }

    const events = await eventRows(tenant.id);
    expect(events).toHaveLength(stored.length);
    expect(events.find((e) => e.event_key === "bounce:4323372036854775807")).toMatchObject({
      bounce_id: "4323372036854775807",
      email: "hard.bounce@example.com",
    });

    const r = await report(tenant, "from=2026-03-01&to=2026-03-31");
    // Bounce records: hard, no-record-type, soft, transient, auto-responder, DNS error.
    expect(r.total).toBe(6);
    expect(r.byType).toEqual({ HardBounce: 2, SoftBounce: 1, Transient: 1, AutoResponder: 1, DnsError: 1 });
    expect(r.spamComplaints).toBe(2);
    expect(r.suppressed).toBe(10);
    expect(r.byDay.find((d) => d.date === "2026-03-05")?.count).toBe(3); // hard, no-record-type (03:28Z), soft
    expect(r.byDay.find((d) => d.date === "2026-03-06")?.count).toBe(3);
    expect(r.byDay).toHaveLength(31);
    // The Unsubscribe bounce carries no BouncedAt: it counts on the day it was received (the default range ends today).
    const recent = await report(tenant, "");
    expect(recent).toMatchObject({ total: 1, byType: { Unsubscribe: 1 }, spamComplaints: 0, suppressed: 10 });
    expect(recent.byDay).toHaveLength(30);
    expect(recent.byDay.at(-1)).toMatchObject({ date: new Date().toISOString().slice(0, 10), count: 1 });
  });
});

const webhookInit = (t: TenantWithWebhook, body: string): RequestInit => ({
  method: "POST",
  body,
  headers: { "Content-Type": "application/json", Authorization: basic(t.webhook.username, t.webhook.password) },
});

describe("exactly once", () => {
  it("stores and counts an event delivered 3 times once", async () => {
    const tenant = await createTenantWithWebhook();
    await deliver(tenant, fx.hardBounce, "stored");
    await deliver(tenant, fx.hardBounce, "duplicate");
    await deliver(tenant, fx.hardBounce, "duplicate");
    expect(await eventRows(tenant.id)).toHaveLength(1);
    expect((await report(tenant)).total).toBe(1);
    expect((await suppressionRows(tenant.id)).length).toBe(1);
  });

  it("stores an event delivered 3 times at once exactly once (the direct path, when the queue refuses)", async () => {
    const tenant = await createTenantWithWebhook();
    const refusing = { ...env, EVENTS_QUEUE: queueThatRefuses };
    const answers = await Promise.all(
      [1, 2, 3].map(() =>
        fetchWorker(
          new Request(`${ORIGIN}/webhooks/postmark/${tenant.id}`, webhookInit(tenant, fx.subscriptionChangeHardBounce)),
          refusing,
        ),
      ),
    );
    const statuses = await Promise.all(answers.map(async (r) => (await r.json<{ status: string }>()).status));
    expect(statuses.sort()).toEqual(["duplicate", "duplicate", "stored"]);
    expect(await eventRows(tenant.id)).toHaveLength(1);
    const { results } = await env.DB.prepare("SELECT * FROM suppression_changes WHERE tenant_id = ?")
      .bind(tenant.id)
      .all();
    expect(results).toHaveLength(1);
  });

  it("a redelivered bounce does not re-suppress an address reactivated through the API since", async () => {
    const tenant = await createTenantWithWebhook();
    await deliver(tenant, fx.hardBounce);
    expect(
      (await call("/v1/suppressions/hard.bounce@example.com", { method: "DELETE", token: tenant.token })).status,
    ).toBe(204);
    await deliver(tenant, fx.hardBounce, "duplicate");
    expect(await suppressionOf(tenant, "hard.bounce@example.com")).toBeNull();
  });
});

describe("order safety", () => {
  const T1 = "2026-04-01T10:00:00Z";
  const T2 = "2026-04-01T11:00:00Z";
  const T3 = "2026-04-01T12:00:00Z";
  const reactivation = (at: string) => fx.subscriptionChange("order@example.com", at, false);

  async function stateAfter(bodies: string[]) {
    const tenant = await createTenantWithWebhook();
    for (const body of bodies) await deliver(tenant, body);
    return { tenant, suppression: await suppressionOf(tenant, "order@example.com") };
  }

  it("a reactivation after the suppression reactivates", async () => {
    expect((await stateAfter([fx.bounce(1, "order@example.com", T1), reactivation(T2)])).suppression).toBeNull();
  });

  it("a reactivation older than the suppression does not undo it, in either arrival order", async () => {
    expect((await stateAfter([fx.bounce(1, "order@example.com", T2), reactivation(T1)])).suppression).toMatchObject({
      reason: "hard_bounce",
    });
    expect((await stateAfter([reactivation(T1), fx.bounce(1, "order@example.com", T2)])).suppression).toMatchObject({
      reason: "hard_bounce",
    });
  });

  it("a stale bounce arriving after a newer reactivation does not re-suppress; a newer bounce does", async () => {
    const { tenant, suppression } = await stateAfter([
      fx.bounce(1, "order@example.com", T1),
      reactivation(T3),
      fx.bounce(2, "order@example.com", T2),
    ]);
    expect(suppression).toBeNull();
    await deliver(tenant, fx.bounce(3, "order@example.com", "2026-04-01T13:00:00Z"));
    expect(await suppressionOf(tenant, "order@example.com")).toMatchObject({
      reason: "hard_bounce",
      suppressedAt: "2026-04-01T13:00:00.000Z",
    });
    // The report still counts every bounce, stale or not.
    expect((await report(tenant)).total).toBe(3);
  });

  it("orders by the event's own time across offsets and 7-digit fractions", async () => {
    const bounced = fx.bounce(1, "order@example.com", "2026-04-01T10:00:00.0000002Z");
    const sameInstantEarlier = fx.subscriptionChange("order@example.com", "2026-04-01T06:00:00.0000001-04:00", false);
    expect((await stateAfter([bounced, sameInstantEarlier])).suppression).toMatchObject({ reason: "hard_bounce" });
    const laterByOffset = fx.subscriptionChange("order@example.com", "2026-04-01T06:00:00.0000003-04:00", false);
    expect((await stateAfter([bounced, laterByOffset])).suppression).toBeNull();
  });

  it("never lets a webhook reactivate a spam complaint, whatever the order", async () => {
    const spam = (at: string) =>
      JSON.stringify({
        RecordType: "SpamComplaint",
        ID: 77,
        Type: "SpamComplaint",
        Email: "order@example.com",
        BouncedAt: at,
        Inactive: true,
        CanActivate: false,
      });
    for (const bodies of [
      [spam(T1), reactivation(T2)],
      [reactivation(T2), spam(T1)],
      [fx.bounce(1, "order@example.com", T3), spam(T1), reactivation(T3)],
    ]) {
      const { suppression } = await stateAfter(bodies);
      expect(suppression).toMatchObject({ reason: "spam_complaint", canReactivate: false });
    }
  });

  it("ends in the same state whatever order the same events arrive in", async () => {
    const events = [
      fx.bounce(1, "order@example.com", T1),
      reactivation(T2),
      fx.subscriptionChange("order@example.com", T3, true, "ManualSuppression"),
    ];
    const orders = [
      [0, 1, 2],
      [2, 1, 0],
      [1, 2, 0],
      [2, 0, 1],
    ];
    const states = [];
    for (const order of orders) states.push((await stateAfter(order.map((i) => events[i]!))).suppression);
    for (const state of states) expect(state).toEqual(states[0]);
    expect(states[0]).toMatchObject({ reason: "unsubscribe", suppressedAt: "2026-04-01T12:00:00.000Z" });
  });
});

describe("hostile bodies", () => {
  it("answers 400 to bodies that are not a JSON object, 413 above 1 MiB, and stores nothing", async () => {
    const tenant = await createTenantWithWebhook();
    for (const body of [
      "{",
      "not json",
      "[]",
      JSON.stringify([JSON.parse(fx.hardBounce)]),
      "null",
      "42",
      '"text"',
      `{"a":${"[".repeat(50_000)}${"]".repeat(50_000)}}`,
    ]) {
      await expectError(await postEvent(tenant, body), 400, "invalid_json");
    }
    await expectError(
      await postEvent(tenant, JSON.stringify({ RecordType: "Bounce", Content: "x".repeat(2 * 1024 * 1024) })),
      413,
      "payload_too_large",
    );
    expect(await eventRows(tenant.id)).toEqual([]);
  });

  it("refuses an empty body as not a JSON object (API.md), and acknowledges an empty object, storing nothing", async () => {
    const tenant = await createTenantWithWebhook();
    for (const empty of ["", "  \r\n"]) {
      const error = await expectError(await postEvent(tenant, empty), 400, "invalid_json");
      expect(error.message).toMatch(/empty/);
    }
    await deliver(tenant, "{}", "ignored");
    expect(await eventRows(tenant.id)).toEqual([]);
  });

  it("never answers 500 nor writes a corrupted row, whatever type each field has", async () => {
    const tenant = await createTenantWithWebhook();
    const payloads = [fx.hardBounce, fx.spamComplaint, fx.unsubscribe].map(
      (t) => JSON.parse(t) as Record<string, unknown>,
    );
    const wrongValues = [
      null,
      -1,
      1.5,
      1e308,
      true,
      {},
      [],
      [1],
      "",
      " ",
      "x".repeat(3000),
      "\u0000\r\n",
      { nested: { deeper: [1] } },
    ];
    for (const payload of payloads) {
      for (const field of Object.keys(payload)) {
        // Each field with every wrong value, sent together (the unit test covers the same table without I/O).
        const answers = await Promise.all(
          wrongValues.map((wrong) => postEvent(tenant, JSON.stringify({ ...payload, [field]: wrong }))),
        );
        for (const [i, res] of answers.entries())
          expect(res.status, `${field}=${JSON.stringify(wrongValues[i])}`).toBe(200);
      }
    }
    for (const row of await eventRows(tenant.id)) {
      expect(row.email === null || /^[^\s@]+@[^\s@]+$/.test(String(row.email))).toBe(true);
      expect(String(row.occurred_at)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/);
      expect(String(row.stream)).toMatch(/^[A-Za-z0-9][A-Za-z0-9_-]*$/);
      expect(row.bounce_id === null || /^\d+$/.test(String(row.bounce_id))).toBe(true);
    }
    for (const row of await suppressionRows(tenant.id)) {
      expect(String(row.email)).toMatch(/^[^\s@A-Z]+@[^\s@A-Z]+$/);
      expect(["hard_bounce", "spam_complaint", "unsubscribe", "manual"]).toContain(row.reason);
    }
  }, 30_000);

  it("normalises unicode and odd-case addresses, and finds them through the API", async () => {
    const tenant = await createTenantWithWebhook();
    await deliver(tenant, fx.bounce(1, "  Ünïcødé.Ÿser@Exämple.COM ", "2026-04-01T10:00:00Z"));
    await deliver(tenant, fx.bounce(2, "MiXeD+Tag@Example.com", "2026-04-01T10:00:00Z"));
    expect((await suppressionRows(tenant.id)).map((r) => r.email)).toEqual([
      "mixed+tag@example.com",
      "ünïcødé.ÿser@exämple.com",
    ]);
    expect(await suppressionOf(tenant, "ÜNÏCØDÉ.ŸSER@EXÄMPLE.COM")).toMatchObject({
      email: "ünïcødé.ÿser@exämple.com",
    });
    expect(await suppressionOf(tenant, " Mixed+Tag@EXAMPLE.com")).toMatchObject({ email: "mixed+tag@example.com" });
  });
});

/** Calls the Worker with its D1 binding replaced, as when D1 fails. */
/** The queue refuses every message: the route falls back to committing directly. */
const queueThatRefuses = {
  send: () => Promise.reject(new Error("Queue send failed: internal error")),
} as unknown as Queue;

const callWithDb = (db: D1Database, path: string, init: RequestInit) =>
  fetchWorker(new Request(ORIGIN + path, init), { ...env, DB: db, EVENTS_QUEUE: queueThatRefuses });

/** The real database, except that every batch fails after its statements ran (so D1 must roll them back). */
const batchFailsAtTheEnd = {
  prepare: (sql: string) => env.DB.prepare(sql),
  batch: (statements: D1PreparedStatement[]) =>
    env.DB.batch([...statements, env.DB.prepare("INSERT INTO no_such_table VALUES (1)")]),
} as unknown as D1Database;

const unreachable = {
  prepare: () => {
    throw new Error("D1_ERROR: Network connection lost.");
  },
  batch: () => Promise.reject(new Error("D1_ERROR: Network connection lost.")),
} as unknown as D1Database;

describe("storage failure", () => {
  it("answers 503 when the queue refuses and the write fails, leaves nothing half-written, and the retry succeeds", async () => {
    const tenant = await createTenantWithWebhook();
    const res = await callWithDb(
      batchFailsAtTheEnd,
      `/webhooks/postmark/${tenant.id}`,
      webhookInit(tenant, fx.hardBounce),
    );
    const error = await expectError(res, 503, "storage_unavailable");
    expect(error.message).not.toMatch(/no_such_table|SQL/i);
    expect(await eventRows(tenant.id)).toEqual([]);
    expect(await suppressionRows(tenant.id)).toEqual([]);

    await deliver(tenant, fx.hardBounce, "stored");
    expect(await suppressionOf(tenant, "hard.bounce@example.com")).toMatchObject({ reason: "hard_bounce" });
    expect((await report(tenant)).total).toBe(1);
  });

  it("answers 503, not 401, when the credentials cannot be read", async () => {
    const tenant = await createTenantWithWebhook();
    await expectError(
      await callWithDb(unreachable, `/webhooks/postmark/${tenant.id}`, webhookInit(tenant, fx.hardBounce)),
      503,
      "storage_unavailable",
    );
  });
});

describe("tenant isolation", () => {
  it("B never sees or changes A's suppressions and report", async () => {
    const a = await createTenantWithWebhook();
    const b = await createTenantWithWebhook();
    await deliver(a, fx.hardBounce);
    await deliver(a, fx.spamComplaint);

    expect(await suppressionOf(b, "hard.bounce@example.com")).toBeNull();
    const list = await (await call("/v1/suppressions", { token: b.token })).json<{ items: unknown[] }>();
    expect(list.items).toEqual([]);
    expect((await report(b)).total).toBe(0);
    expect((await report(b)).suppressed).toBe(0);
    await expectError(
      await call("/v1/suppressions/hard.bounce@example.com", { method: "DELETE", token: b.token }),
      404,
      "not_found",
    );
    const check = await call("/v1/suppressions/check", {
      method: "POST",
      token: b.token,
      json: { emails: ["hard.bounce@example.com"] },
    });
    expect(await check.json()).toEqual({ suppressed: [] });
    const csv = await (await call("/v1/suppressions.csv", { token: b.token })).text();
    expect(csv.trim().split("\r\n")).toHaveLength(1);
    const changes = await (await call("/v1/suppressions/changes", { token: b.token })).json<{ items: unknown[] }>();
    expect(changes.items).toEqual([]);

    // B delivering the same event to its own URL is B's event, not a duplicate of A's.
    await deliver(b, fx.hardBounce, "stored");
    expect(await suppressionOf(a, "hard.bounce@example.com")).toMatchObject({ reason: "hard_bounce" });
    expect((await report(a)).total).toBe(1);
  });
});
