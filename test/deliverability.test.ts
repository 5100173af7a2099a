// The deliverability guard (issue 17): whose fault a bounce is, the soft-bounce policy, rates against what
// Postmark sent with thresholds and a state, and signed notifications to the platform.
import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { describe, expect, inject, it, vi } from "vitest";
import { DEFAULT_POLICY } from "../src/deliverability/policy";
import worker from "../src/index";
import { endpointUrlProblem } from "../src/notifications/endpoint-url";
import * as fx from "./fixtures/postmark-events";
import { call, createTenant, expectError, type TestTenant } from "./helpers";
import type { ReceivedNotification } from "./node/notification-receiver";
import { connectedTenant, injectFault, standIn, standInState } from "./postmark-api-helpers";
import {
  createTenantWithWebhook,
  deliver,
  getWebhook,
  report,
  suppressionOf,
  suppressionRows,
} from "./postmark-helpers";

describe("bounces the sender caused", () => {
  it("never suppress the recipient, even marked Inactive, and the report shows them apart", async () => {
    const tenant = await createTenantWithWebhook();
    const types = ["Blocked", "DMARCPolicy", "SMTPApiError", "TemplateRenderingFailed"];
    for (const [i, type] of types.entries()) {
      await deliver(tenant, fx.bounce(900 + i, "reader@example.com", `2026-03-0${i + 1}T10:00:00Z`, type, true));
    }
    await deliver(tenant, fx.bounce(910, "gone@example.com", "2026-03-05T10:00:00Z", "HardBounce", true));

    expect(await suppressionOf(tenant, "reader@example.com")).toBeNull();
    expect((await suppressionRows(tenant.id)).map((r) => r.email)).toEqual(["gone@example.com"]);
    const counts = await report(tenant);
    expect(counts).toMatchObject({ total: 5, bySource: { recipient: 1, sender: 4 } });
    expect(counts.byType).toEqual({
      Blocked: 1,
      DMARCPolicy: 1,
      SMTPApiError: 1,
      TemplateRenderingFailed: 1,
      HardBounce: 1,
    });
  });
});

/** A tenant with Postmark settings on its own stand-in server, and its webhook credentials. */
async function guardedTenant() {
  const { tenant, postmark } = await connectedTenant();
  return { ...tenant, webhook: await getWebhook(tenant), postmark };
}

const todayInPostmarkTime = () => new Intl.DateTimeFormat("en-CA", { timeZone: "America/New_York" }).format(new Date());

const runCron = () => worker.scheduled(createScheduledController(), env);

async function received(path: string): Promise<ReceivedNotification[]> {
  const res = await fetch(`${inject("notifications").url}/received?path=${encodeURIComponent(path)}`);
  return res.json();
}

async function setEndpoint(tenant: TestTenant, behaviour = "ok") {
  const url = `${inject("notifications").url}/hooks/${behaviour}/${tenant.id}`;
  const res = await call("/v1/notifications/endpoint", { method: "PUT", token: tenant.token, json: { url } });
  expect(res.status, await res.clone().text()).toBe(200);
  const body = await res.json<{ url: string; secret: string }>();
  return { ...body, path: new URL(url).pathname };
}

/** The notifications that reached `path`, each checked with the standardwebhooks package, parsed. */
async function verified(path: string, secret: string) {
  return (await received(path)).map((r) => {
    new Webhook(secret).verify(r.body, r.headers); // throws on a bad signature or timestamp
    return {
      id: r.headers["webhook-id"],
      ...(JSON.parse(r.body) as { type: string; timestamp: string; data: Record<string, unknown> }),
    };
  });
}

async function getDeliverability(tenant: TestTenant) {
  const res = await call("/v1/deliverability", { token: tenant.token });
  expect(res.status).toBe(200);
  return res.json<Record<string, unknown>>();
}

describe("deliverability state", () => {
  it("is critical with 1,000 sent and 120 hard bounces, and exactly one signed deliverability.changed reaches the endpoint", async () => {
    const tenant = await guardedTenant();
    const endpoint = await setEndpoint(tenant);
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    await standIn("/__standin/stats", {
      token: tenant.postmark.token,
      date: todayInPostmarkTime(),
      sent: 1000,
      bounces: { HardBounce: 120 },
    });

    await runCron();
    await runCron(); // a second run finds the same state: nothing new to say
    const changes = (await verified(endpoint.path, endpoint.secret)).filter((n) => n.type === "deliverability.changed");
    expect(changes).toHaveLength(1);
    expect(changes[0]!.data).toMatchObject({
      previousState: "unknown",
      state: "critical",
      sent: 1000,
      bounces: 120,
      bounceRate: 12,
      complaintRate: 0,
    });
    expect(changes[0]!.id).toMatch(/^msg_dlv_/);

    const now = await getDeliverability(tenant);
    expect(now).toMatchObject({
      state: "critical",
      sent: 1000,
      bounces: 120,
      complaints: 0,
      bounceRate: 12,
      complaintRate: 0,
      stream: "outbound",
      window: { to: todayInPostmarkTime() },
      recorded: { state: "critical" },
    });
    expect(now.reason).toContain("Bounce rate 12 % is at or above the critical threshold of 10 %");
    await runCron();
    expect((await received(endpoint.path)).filter((r) => r.body.includes("deliverability.changed"))).toHaveLength(1);

    // More mail dilutes the bounces below the warning threshold: the next change is told, once.
    await standIn("/__standin/stats", { token: tenant.postmark.token, date: todayInPostmarkTime(), sent: 2000 });
    await runCron();
    await runCron();
    const later = (await verified(endpoint.path, endpoint.secret)).filter((n) => n.type === "deliverability.changed");
    expect(later.map((n) => [n.data.previousState, n.data.state, n.data.bounceRate])).toEqual([
      ["unknown", "critical", 12],
      ["critical", "ok", 4],
    ]);
  });

  it("says unknown below the minimum volume, and keeps the recorded state through a Postmark outage", async () => {
    const tenant = await guardedTenant();
    await standIn("/__standin/stats", {
      token: tenant.postmark.token,
      date: todayInPostmarkTime(),
      sent: 99,
      bounces: { HardBounce: 50 },
    });
    const few = await getDeliverability(tenant);
    expect(few).toMatchObject({ state: "unknown", sent: 99, bounceRate: 50.505 });
    expect(few.reason).toContain("fewer than the 100 required");

    await standIn("/__standin/stats", {
      token: tenant.postmark.token,
      date: todayInPostmarkTime(),
      sent: 901,
      spamComplaints: 2,
    });
    expect(await getDeliverability(tenant)).toMatchObject({ state: "warning", complaintRate: 0.2, bounceRate: 5 });
    await injectFault({ token: tenant.postmark.token, path: "/stats", status: 503 });
    const outage = await getDeliverability(tenant);
    expect(outage).toMatchObject({ state: "unknown", sent: null, recorded: { state: "warning" } });
    expect(outage.reason).toContain("Postmark could not be asked");
  });

  it("without settings is unknown and says why", async () => {
    const tenant = await createTenant();
    expect(await getDeliverability(tenant)).toMatchObject({ state: "unknown", stream: null, recorded: null });
  });
});

describe("deliverability policy", () => {
  it("answers the defaults, saves a whole policy, and refuses bad ones changing nothing", async () => {
    const tenant = await createTenant();
    const read = async () => (await call("/v1/deliverability/policy", { token: tenant.token })).json();
    expect(await read()).toEqual({
      thresholds: {
        bounceRate: { warning: 5, critical: 10 },
        complaintRate: { warning: 0.1, critical: 0.3 },
        windowDays: 7,
        minimumSent: 100,
      },
      softBounces: null,
    });
    const policy = {
      thresholds: {
        bounceRate: { warning: 2, critical: 4 },
        complaintRate: { warning: 0.05, critical: 0.1 },
        windowDays: 14,
        minimumSent: 500,
      },
      softBounces: { count: 3, withinDays: 7 },
    };
    const put = (json: unknown) => call("/v1/deliverability/policy", { method: "PUT", token: tenant.token, json });
    expect(await (await put(policy)).json()).toEqual(policy);
    expect(await read()).toEqual(policy);

    const bad = await expectError(
      await put({
        ...policy,
        thresholds: { ...policy.thresholds, bounceRate: { warning: 12, critical: 10 }, windowDays: 0 },
      }),
      400,
      "validation_failed",
    );
    expect(Object.keys(bad.fields ?? {}).sort()).toEqual(["thresholds.bounceRate.warning", "thresholds.windowDays"]);
    await expectError(await put({ ...policy, softBounces: { count: 0, withinDays: 7 } }), 400, "validation_failed");
    await expectError(await put({ thresholds: policy.thresholds }), 400, "validation_failed");
    expect(await read()).toEqual(policy);
    // Another tenant still has the defaults.
    const other = await createTenant();
    expect(
      (await (await call("/v1/deliverability/policy", { token: other.token })).json<{ softBounces: unknown }>())
        .softBounces,
    ).toBeNull();
  });
});

describe("soft-bounce policy", () => {
  const softBounce = (id: number, email: string, at: string) => fx.bounce(id, email, at, "SoftBounce", false);
  const setPolicy = async (tenant: TestTenant, softBounces: unknown) => {
    const res = await call("/v1/deliverability/policy", {
      method: "PUT",
      token: tenant.token,
      json: { thresholds: DEFAULT_POLICY.thresholds, softBounces },
    });
    expect(res.status).toBe(200);
  };

  it("suppresses an address as soft_bounce at the third soft bounce within the window, while Blocked bounces suppress nothing", async () => {
    const tenant = await guardedTenant();
    await setPolicy(tenant, { count: 3, withinDays: 7 });
    await deliver(tenant, softBounce(1001, "flaky@example.com", "2026-03-01T10:00:00Z"));
    await deliver(tenant, softBounce(1001, "flaky@example.com", "2026-03-01T10:00:00Z"), "duplicate"); // redelivered
    await deliver(tenant, softBounce(1002, "flaky@example.com", "2026-03-03T10:00:00Z"));
    expect(await suppressionOf(tenant, "flaky@example.com")).toBeNull();
    for (const [i, day] of ["01", "02", "03", "04"].entries()) {
      await deliver(tenant, fx.bounce(1100 + i, "blocked@example.com", `2026-03-${day}T10:00:00Z`, "Blocked", true));
    }
    // Far apart: the first is outside 7 days of the third.
    await deliver(tenant, softBounce(1201, "sparse@example.com", "2026-03-01T10:00:00Z"));
    await deliver(tenant, softBounce(1202, "sparse@example.com", "2026-03-05T10:00:00Z"));
    await deliver(tenant, softBounce(1203, "sparse@example.com", "2026-03-09T10:00:00Z"));

    await deliver(tenant, softBounce(1003, "flaky@example.com", "2026-03-07T09:00:00Z"));
    expect(await suppressionOf(tenant, "flaky@example.com")).toMatchObject({
      reason: "soft_bounce",
      origin: "postmark",
      bounceType: "SoftBounce",
      details: "3 soft bounces within 7 days",
      suppressedAt: "2026-03-07T09:00:00.000Z",
      canReactivate: true,
    });
    expect(await suppressionOf(tenant, "blocked@example.com")).toBeNull();
    expect(await suppressionOf(tenant, "sparse@example.com")).toBeNull();
    // In the change feed, the CSV, and on its way to Postmark like a suppression added by hand.
    const feed = await (await call("/v1/suppressions/changes?since=0", { token: tenant.token })).json<{
      items: { email: string; reason: string }[];
    }>();
    expect(feed.items.map((c) => [c.email, c.reason])).toEqual([["flaky@example.com", "soft_bounce"]]);
    expect(await (await call("/v1/suppressions.csv", { token: tenant.token })).text()).toContain(
      "flaky@example.com,outbound,soft_bounce,postmark",
    );
    await runCron();
    await standIn("/__standin/flush", { token: tenant.postmark.token });
    const state = await standInState(tenant.postmark.token);
    expect(state.suppressions.outbound?.map((s) => s.EmailAddress)).toEqual(["flaky@example.com"]);
  });

  it("is off by default, counts again only after a reactivation, and never overrides another reason", async () => {
    const tenant = await createTenantWithWebhook();
    for (const [i, day] of ["01", "02", "03"].entries()) {
      await deliver(tenant, softBounce(2001 + i, "off@example.com", `2026-04-${day}T10:00:00Z`));
    }
    expect(await suppressionOf(tenant, "off@example.com")).toBeNull();

    await setPolicy(tenant, { count: 2, withinDays: 30 });
    await deliver(tenant, softBounce(2101, "again@example.com", "2026-04-01T10:00:00Z"));
    await deliver(tenant, softBounce(2102, "again@example.com", "2026-04-02T10:00:00Z"));
    expect(await suppressionOf(tenant, "again@example.com")).toMatchObject({ reason: "soft_bounce" });
    const reactivated = await call("/v1/suppressions/again%40example.com", { method: "DELETE", token: tenant.token });
    expect(reactivated.status).toBe(204);
    await deliver(tenant, softBounce(2103, "again@example.com", new Date(Date.now() + 1000).toISOString()));
    expect(await suppressionOf(tenant, "again@example.com")).toBeNull(); // one since the reactivation
    await deliver(tenant, softBounce(2104, "again@example.com", new Date(Date.now() + 2000).toISOString()));
    expect(await suppressionOf(tenant, "again@example.com")).toMatchObject({ reason: "soft_bounce" });

    await deliver(tenant, fx.bounce(2201, "hard@example.com", "2026-04-01T10:00:00Z", "HardBounce", true));
    await deliver(tenant, softBounce(2202, "hard@example.com", "2026-04-02T10:00:00Z"));
    await deliver(tenant, softBounce(2203, "hard@example.com", "2026-04-03T10:00:00Z"));
    expect(await suppressionOf(tenant, "hard@example.com")).toMatchObject({ reason: "hard_bounce" });
  });
});

describe("notifications to the platform", () => {
  it("refuses endpoints a tenant must not reach, and shows the secret only once", async () => {
    const tenant = await createTenant();
    const put = (url: unknown) =>
      call("/v1/notifications/endpoint", { method: "PUT", token: tenant.token, json: { url } });
    for (const url of [
      "http://hooks.example.com/x",
      "https://user:pw@hooks.example.com/x",
      "ftp://hooks.example.com",
      "not a url",
      42,
    ]) {
      await expectError(await put(url), 400, "validation_failed");
    }
    await expectError(
      await call("/v1/notifications/endpoint/rotate", { method: "POST", token: tenant.token }),
      404,
      "not_configured",
    );
    await expectError(
      await call("/v1/notifications/test", { method: "POST", token: tenant.token }),
      404,
      "not_configured",
    );

    const first = await setEndpoint(tenant);
    const shown = await call("/v1/notifications", { token: tenant.token });
    const listed = await shown.text();
    expect(JSON.parse(listed)).toMatchObject({ endpoint: { url: first.url }, deliveries: [] });
    expect(listed).not.toContain(first.secret);
    const row = await env.DB.prepare("SELECT * FROM notification_endpoints WHERE tenant_id = ?1")
      .bind(tenant.id)
      .first();
    expect(JSON.stringify(row)).not.toContain(first.secret.slice(6));
    // A new URL keeps the secret (and does not show it); rotating answers a new one.
    const moved = await (await put(`${first.url}/moved`)).json<Record<string, unknown>>();
    expect(moved).not.toHaveProperty("secret");
    const rotated = await (
      await call("/v1/notifications/endpoint/rotate", { method: "POST", token: tenant.token })
    ).json<{ secret: string }>();
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(first.secret);
  });

  it("the endpoint rule: https to a public host; loopback http only with the local switch", () => {
    const cases: [string, boolean, boolean][] = [
      ["https://hooks.example.com/postmark", false, true],
      ["https://93.184.216.34/x", false, true],
      ["https://127.0.0.1/x", false, false],
      ["https://localhost:8443/x", false, false],
      ["https://10.0.0.8/x", false, false],
      ["https://169.254.169.254/latest", false, false],
      ["https://[::1]/x", false, false],
      ["https://[::ffff:127.0.0.1]/x", false, false],
      ["https://0x7f.1/x", false, false],
      ["https://2130706433/x", false, false],
      ["https://metadata.internal/x", false, false],
      ["http://hooks.example.com/x", false, false],
      ["http://127.0.0.1:9000/x", false, false],
      ["http://127.0.0.1:9000/x", true, true],
      ["http://[::1]:9000/x", true, true],
      ["http://hooks.example.com/x", true, false],
      ["https://u:p@hooks.example.com/x", true, false],
    ];
    for (const [url, allowPrivate, ok] of cases) {
      expect(endpointUrlProblem(url, allowPrivate) === null, `${url} (local switch ${allowPrivate})`).toBe(ok);
    }
  });

  it("sends address.suppressed and address.reactivated with the feed's sequence, signed, never carrying the secret", async () => {
    const tenant = await createTenantWithWebhook();
    const endpoint = await setEndpoint(tenant);
    await deliver(tenant, fx.bounce(3001, "gone@example.com", "2026-05-01T10:00:00Z", "HardBounce", true));
    expect((await call("/v1/suppressions/gone%40example.com", { method: "DELETE", token: tenant.token })).status).toBe(
      204,
    );
    expect(await received(endpoint.path)).toEqual([]); // the webhook path only commits; the outbox sends
    await runCron();
    const sent = await verified(endpoint.path, endpoint.secret);
    expect(sent.map((n) => [n.type, n.data.email, n.data.reason, n.data.sequence])).toEqual([
      ["address.suppressed", "gone@example.com", "hard_bounce", 1],
      ["address.reactivated", "gone@example.com", "hard_bounce", 2],
    ]);
    expect(sent[0]).toMatchObject({ timestamp: sent[0]!.data.changedAt, data: { stream: "outbound" } });
    const raw = await received(endpoint.path);
    expect(JSON.stringify(raw)).not.toContain(endpoint.secret.slice(6));
    expect(new Set(raw.map((r) => r.headers["webhook-id"])).size).toBe(2);
    const list = await (await call("/v1/notifications", { token: tenant.token })).json<NotificationsView>();
    expect(list.deliveries.map((d) => [d.type, d.state, d.lastStatus])).toEqual([
      ["address.reactivated", "delivered", 204],
      ["address.suppressed", "delivered", 204],
    ]);
    // Another tenant sees none of it.
    const other = await createTenant();
    expect(await (await call("/v1/notifications", { token: other.token })).json()).toEqual({
      endpoint: null,
      deliveries: [],
    });
  });

  it("a test event: delivered and verifiable; a redirect is not followed and is retried; retries give up; DELETE stops them", async () => {
    const logs = (["log", "info", "warn", "error", "debug"] as const).map((m) => vi.spyOn(console, m));
    const tenant = await createTenant();
    const good = await setEndpoint(tenant);
    const test = await call("/v1/notifications/test", { method: "POST", token: tenant.token });
    expect(await test.json()).toMatchObject({ type: "test", state: "delivered", attempts: 1, lastStatus: 204 });
    expect((await verified(good.path, good.secret)).map((n) => n.type)).toEqual(["test"]);

    await call("/v1/notifications/endpoint", {
      method: "PUT",
      token: tenant.token,
      json: { url: `${inject("notifications").url}/hooks/redirect/${tenant.id}` },
    });
    const redirected = await (
      await call("/v1/notifications/test", { method: "POST", token: tenant.token })
    ).json<Delivery>();
    expect(redirected).toMatchObject({ state: "pending", lastStatus: 302 });
    expect(redirected.lastError).toContain("redirects are not followed");
    expect(redirected.nextAttemptAt).not.toBeNull();
    expect(await received("/hooks/ok/followed")).toEqual([]);

    // The last allowed attempt fails: given up.
    await env.DB.prepare(
      "UPDATE notification_outbox SET attempts = 9, next_attempt_at = '2000-01-01T00:00:00.000Z' WHERE id = ?1",
    )
      .bind(redirected.id)
      .run();
    await runCron();
    const list = await (await call("/v1/notifications", { token: tenant.token })).json<NotificationsView>();
    expect(list.deliveries.find((d) => d.id === redirected.id)).toMatchObject({ state: "failed", attempts: 10 });
    expect(list.deliveries.find((d) => d.id === redirected.id)?.lastError).toMatch(/^Given up after 10 attempts/);

    await call("/v1/notifications/endpoint", {
      method: "PUT",
      token: tenant.token,
      json: { url: `${inject("notifications").url}/hooks/fail/${tenant.id}` },
    });
    const failing = await (
      await call("/v1/notifications/test", { method: "POST", token: tenant.token })
    ).json<Delivery>();
    expect(failing).toMatchObject({ state: "pending", lastStatus: 500 });
    // At most 10 test events a minute (one request each to a host the tenant chose).
    await env.DB.prepare("UPDATE notification_outbox SET state = 'delivered' WHERE tenant_id = ?1 AND id != ?2")
      .bind(tenant.id, failing.id)
      .run();
    await env.DB.prepare(
      `INSERT INTO notification_outbox (id, tenant_id, type, data, occurred_at, state, created_at)
       SELECT 'msg_test_filler_' || value, ?1, 'test', '{}', ?2, 'delivered', ?2 FROM json_each('[1,2,3,4,5,6,7]')`,
    )
      .bind(tenant.id, new Date().toISOString())
      .run();
    await expectError(
      await call("/v1/notifications/test", { method: "POST", token: tenant.token }),
      429,
      "rate_limited",
    );
    expect((await call("/v1/notifications/endpoint", { method: "DELETE", token: tenant.token })).status).toBe(204);
    const after = await (await call("/v1/notifications", { token: tenant.token })).json<NotificationsView>();
    expect(after.endpoint).toBeNull();
    expect(after.deliveries.find((d) => d.id === failing.id)).toMatchObject({
      state: "failed",
      lastError: "The endpoint was removed.",
    });
    // The signing secret appeared in no log line.
    const logged = JSON.stringify(logs.flatMap((spy) => spy.mock.calls));
    for (const spy of logs) spy.mockRestore();
    expect(logged).not.toContain(good.secret.slice(6));
  });
});

interface Delivery {
  id: string;
  type: string;
  state: string;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
}
interface NotificationsView {
  endpoint: { url: string } | null;
  deliveries: Delivery[];
}

describe("the report's rates against what Postmark sent", () => {
  it("gives each day and the range sent, bounce rate and complaint rate; null with the reason when Postmark cannot be asked", async () => {
    const tenant = await guardedTenant();
    await standIn("/__standin/stats", { token: tenant.postmark.token, date: "2026-03-02", sent: 200 });
    await standIn("/__standin/stats", { token: tenant.postmark.token, date: "2026-03-03", sent: 300 });
    await deliver(tenant, fx.bounce(4001, "a@example.com", "2026-03-02T10:00:00Z", "HardBounce", true));
    await deliver(tenant, fx.bounce(4002, "b@example.com", "2026-03-02T11:00:00Z", "Blocked", true));
    await deliver(tenant, fx.spamComplaint.replace("2026-03-05T17:00:00.1234567Z", "2026-03-03T17:00:00Z"));

    const counts = await report(tenant, "from=2026-03-01&to=2026-03-03");
    expect(counts.byDay).toEqual([
      { date: "2026-03-01", count: 0, complaints: 0, sent: 0, bounceRate: null, complaintRate: null },
      { date: "2026-03-02", count: 2, complaints: 0, sent: 200, bounceRate: 1, complaintRate: 0 },
      { date: "2026-03-03", count: 0, complaints: 1, sent: 300, bounceRate: 0, complaintRate: 0.333 },
    ]);
    expect(counts).toMatchObject({ sent: 500, bounceRate: 0.4, complaintRate: 0.2, ratesReason: null });

    await injectFault({ token: tenant.postmark.token, path: "/stats", status: 503 });
    const outage = await report(tenant, "from=2026-03-02&to=2026-03-03");
    expect(outage).toMatchObject({ total: 2, sent: null, bounceRate: null, complaintRate: null });
    expect(outage.ratesReason).toContain("Postmark could not be asked");
    expect(outage.byDay[0]).toMatchObject({ count: 2, sent: null, bounceRate: null });

    const unconfigured = await report(await createTenant());
    expect(unconfigured).toMatchObject({ sent: null, ratesReason: expect.stringContaining("not set up") });
  });
});

describe("hostile input on the new routes", () => {
  it("answers 400 (never 500) and changes nothing, whatever the body", async () => {
    const tenant = await createTenant();
    const bodies = [
      "{}",
      "[]",
      "null",
      '"x"',
      "42",
      '{"thresholds":null,"softBounces":null}',
      '{"thresholds":{"bounceRate":{"warning":"5","critical":10},"complaintRate":{"warning":0.1,"critical":0.3},"windowDays":7,"minimumSent":100},"softBounces":null}',
      '{"thresholds":{"bounceRate":{"warning":5,"critical":1e400},"complaintRate":{"warning":0.1,"critical":0.3},"windowDays":7.5,"minimumSent":-1},"softBounces":{"count":3}}',
      '{"url":null}',
      '{"url":""}',
      `{"url":"https://${"a".repeat(3000)}.example.com/"}`,

      '{"url":"javascript:alert(1)"}',
      '{"url":"https://hooks.example.com/x","extra":1}',
    ];
    for (const path of ["/v1/deliverability/policy", "/v1/notifications/endpoint"]) {
      for (const body of bodies) {
        const res = await call(path, {
          method: "PUT",
          token: tenant.token,
          body,
          headers: { "Content-Type": "application/json" },
        });
        expect([400, 415], `${path} ${body.slice(0, 80)}`).toContain(res.status);
        await res.arrayBuffer();
      }
    }
    expect(await (await call("/v1/notifications", { token: tenant.token })).json()).toEqual({
      endpoint: null,
      deliveries: [],
    });
    expect(
      (await (await call("/v1/deliverability/policy", { token: tenant.token })).json<{ softBounces: unknown }>())
        .softBounces,
    ).toBeNull();
    for (const path of ["/v1/deliverability", "/v1/notifications", "/v1/deliverability/policy"]) {
      await expectError(await call(path), 401, "unauthorized");
      await expectError(await call(path, { token: "not-a-token" }), 401, "unauthorized");
    }
  });
});
