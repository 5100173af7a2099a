// Keeping the suppression list and Postmark's in sync: import, pushes through the outbox, retries by the
// scheduled handler, and Postmark's echoes of our own changes. Against the local Postmark stand-in (a real
// HTTP server, test/node/), whose webhook posts are replayed into the Worker.
import { createScheduledController } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../src/index";
import { postmarkApi } from "../src/postmark/api/client";
import { syncState } from "../src/sync/state";
import { hardBounce } from "./fixtures/postmark-events";
import { call, configureEmail, expectError, type TestTenant, VALID_SETTINGS } from "./helpers";
import {
  injectFault,
  newPostmarkServer,
  replayDeliveries,
  standIn,
  standInState,
  webhookDeliveries,
} from "./postmark-api-helpers";
import { createTenantWithWebhook, deliver, suppressionOf, type TenantWithWebhook } from "./postmark-helpers";

interface Connected extends TenantWithWebhook {
  postmarkToken: string;
}

/** A tenant whose settings hold its own Postmark server's token, with the webhook installed in that server. */
async function connectedTenant(): Promise<Connected> {
  const tenant = await createTenantWithWebhook();
  const { token } = await newPostmarkServer(`Server of ${tenant.name}`);
  await configureEmail(tenant, { ...VALID_SETTINGS, apiKey: token });
  await postmarkApi(env, token).createWebhook({
    Url: tenant.webhook.urlWithCredentials,
    MessageStream: "outbound",
    Triggers: { Bounce: { Enabled: true }, SpamComplaint: { Enabled: true }, SubscriptionChange: { Enabled: true } },
  });
  return { ...tenant, postmarkToken: token };
}

const seed = (
  token: string,
  email: string,
  reason: string,
  origin = "Recipient",
  createdAt?: string,
  stream?: string,
) => standIn("/__standin/suppress", { token, email, reason, origin, createdAt, stream });

const importFrom = (tenant: TestTenant, json: unknown = {}) =>
  call("/v1/suppressions/import", { method: "POST", token: tenant.token, json });
const add = (tenant: TestTenant, emails: string[]) =>
  call("/v1/suppressions", { method: "POST", token: tenant.token, json: { emails } });
const reactivate = (tenant: TestTenant, email: string) =>
  call(`/v1/suppressions/${encodeURIComponent(email)}`, { method: "DELETE", token: tenant.token });
const pushOf = async (tenant: TestTenant, email: string) => {
  const res = await call(`/v1/suppressions/${encodeURIComponent(email)}/postmark`, { token: tenant.token });
  return res.status === 404 ? null : res.json<Record<string, unknown>>();
};

/** Postmark's applied list of a stream, by address. */
async function postmarkList(token: string, stream = "outbound") {
  const state = await standInState(token);
  return Object.fromEntries((state.suppressions[stream] ?? []).map((s) => [s.EmailAddress, s.SuppressionReason]));
}

/** Postmark applies what it accepted (and posts the echoes); returns the echoes posted since `since`. */
async function flush(tenant: Connected, since = 0) {
  await standIn("/__standin/flush", { token: tenant.postmarkToken });
  return (await webhookDeliveries(tenant.postmarkToken)).slice(since);
}

/** Lets the pending pushes of a tenant fall due, then runs the scheduled handler as the Cron Trigger would. */
async function runCron(tenant: TestTenant) {
  await env.DB.prepare(
    "UPDATE postmark_pushes SET next_attempt_at = '2000-01-01T00:00:00.0000000Z' WHERE tenant_id = ?1 AND state = 'pending'",
  )
    .bind(tenant.id)
    .run();
  await worker.scheduled(createScheduledController(), env);
}

describe("import from Postmark", () => {
  it("maps each kind of Postmark suppression and counts what it added", async () => {
    const tenant = await connectedTenant();
    const t = tenant.postmarkToken;
    await seed(t, "Hard@Example.com", "HardBounce", "Recipient", "2026-05-01T10:00:00Z");
    await seed(t, "spam@example.com", "SpamComplaint", "Recipient", "2026-05-02T10:00:00.1234567Z");
    await seed(t, "leaver@example.com", "ManualSuppression", "Recipient", "2026-05-03T10:00:00Z");
    await seed(t, "blocked@example.com", "ManualSuppression", "Customer", "2026-05-04T10:00:00Z");
    await seed(t, "known@example.com", "HardBounce", "Recipient", "2026-05-05T10:00:00Z");
    await seed(t, "broadcast-only@example.com", "HardBounce", "Recipient", "2026-05-05T10:00:00Z", "broadcast");
    expect((await add(tenant, ["known@example.com"])).status).toBe(200);

    const res = await importFrom(tenant);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ stream: "outbound", seen: 5, added: 4, alreadySuppressed: 1, skipped: 0 });

    expect(await suppressionOf(tenant, "hard@example.com")).toMatchObject({
      reason: "hard_bounce",
      origin: "postmark",
      suppressedAt: "2026-05-01T10:00:00.000Z",
      bounceType: "HardBounce",
      canReactivate: true,
    });
    expect(await suppressionOf(tenant, "spam@example.com")).toMatchObject({
      reason: "spam_complaint",
      suppressedAt: "2026-05-02T10:00:00.123Z",
      canReactivate: false,
    });
    expect(await suppressionOf(tenant, "leaver@example.com")).toMatchObject({ reason: "unsubscribe" });
    expect(await suppressionOf(tenant, "blocked@example.com")).toMatchObject({ reason: "manual", origin: "postmark" });
    // Already suppressed here: keeps its local details.
    expect(await suppressionOf(tenant, "known@example.com")).toMatchObject({ reason: "manual", origin: "api" });
    expect(await suppressionOf(tenant, "broadcast-only@example.com")).toBeNull();

    expect(await syncState(env.DB, tenant.id)).toMatchObject({
      lastImport: { stream: "outbound", seen: 5, added: 4, alreadySuppressed: 1 },
      lastError: null,
    });
    // Twice is harmless; another stream on request.
    expect(await (await importFrom(tenant)).json()).toMatchObject({ seen: 5, added: 0, alreadySuppressed: 5 });
    expect(await (await importFrom(tenant, { stream: "broadcast" })).json()).toEqual({
      stream: "broadcast",
      seen: 1,
      added: 1,
      alreadySuppressed: 0,
      skipped: 0,
    });
    expect(await suppressionOf(tenant, "broadcast-only@example.com", "broadcast")).toMatchObject({
      reason: "hard_bounce",
    });
  });

  it("never undoes a newer local change, and a spam complaint in Postmark is final here too", async () => {
    const tenant = await connectedTenant();
    const t = tenant.postmarkToken;
    // Reactivated here (no push reaches Postmark: it is down), after Postmark suppressed them.
    await seed(t, "older@example.com", "HardBounce", "Recipient", "2026-01-01T00:00:00Z");
    await seed(t, "spam@example.com", "SpamComplaint", "Recipient", "2026-01-01T00:00:00Z");
    expect((await add(tenant, ["older@example.com", "newer@example.com"])).status).toBe(200);
    await injectFault({ token: t, path: "/message-streams", status: 500, times: 2 });
    expect((await reactivate(tenant, "older@example.com")).headers.get("Postmark-Sync")).toBe("pending");
    expect((await reactivate(tenant, "newer@example.com")).headers.get("Postmark-Sync")).toBe("pending");
    // Suppressed in Postmark after the reactivation here (dated in the future, so surely newer).
    await seed(t, "newer@example.com", "HardBounce", "Recipient", "2030-01-01T00:00:00Z");
    await call("/v1/suppressions", { method: "POST", token: tenant.token, json: { emails: ["spam@example.com"] } });

    expect(await (await importFrom(tenant)).json()).toEqual({
      stream: "outbound",
      seen: 3,
      added: 1,
      alreadySuppressed: 1,
      skipped: 1,
    });
    expect(await suppressionOf(tenant, "older@example.com")).toBeNull();
    expect(await suppressionOf(tenant, "newer@example.com")).toMatchObject({ reason: "hard_bounce" });
    expect(await suppressionOf(tenant, "spam@example.com")).toMatchObject({
      reason: "spam_complaint",
      canReactivate: false,
    });
  });

  it("answers 409 without settings, 502 when Postmark refuses, 503 when it is unreachable", async () => {
    const unconfigured = await createTenantWithWebhook();
    await expectError(await importFrom(unconfigured), 409, "not_configured");

    const tenant = await connectedTenant();
    const t = tenant.postmarkToken;
    await injectFault({ token: t, path: "/message-streams", status: 401, errorCode: 10, message: "Bad token." });
    const refusedToken = await expectError(await importFrom(tenant), 502, "postmark_error");
    expect(refusedToken.message).toContain("ErrorCode 10");
    const unknownStream = await expectError(await importFrom(tenant, { stream: "nope" }), 502, "postmark_error");
    expect(unknownStream.message).toContain("1226");
    await injectFault({ token: t, path: "/message-streams", status: 500 });
    await expectError(await importFrom(tenant), 503, "postmark_unavailable");
    await injectFault({ token: t, path: "/message-streams", delayMs: 2500 });
    const slow = await expectError(await importFrom(tenant), 503, "postmark_unavailable");
    expect(slow.message).toContain("no answer");
    await expectError(await importFrom(tenant, { stream: "no spaces" }), 400, "validation_failed");

    const sync = await env.DB.prepare("SELECT last_error FROM postmark_sync WHERE tenant_id = ?1")
      .bind(tenant.id)
      .first<{ last_error: string }>();
    expect(sync?.last_error).toContain("no answer");
    expect(sync?.last_error).not.toContain(t);
    expect(await syncState(env.DB, tenant.id)).toEqual({
      pendingPushes: 0,
      failedPushes: 0,
      lastImport: null,
      lastError: { at: expect.stringMatching(/Z$/), message: expect.stringContaining("Import of outbound") },
    });
  });
});

describe("pushing local changes to Postmark", () => {
  it("deletes a reactivated address from Postmark's list, and the echo converges", async () => {
    const tenant = await connectedTenant();
    const t = tenant.postmarkToken;
    await seed(t, "back@example.com", "HardBounce");
    await importFrom(tenant);

    const res = await reactivate(tenant, "back@example.com");
    expect(res.status).toBe(204);
    expect(res.headers.get("Postmark-Sync")).toBe("done");
    expect(await pushOf(tenant, "back@example.com")).toMatchObject({
      email: "back@example.com",
      stream: "outbound",
      action: "delete",
      state: "done",
      attempts: 1,
    });
    const echoes = await flush(tenant);
    expect(await postmarkList(t)).toEqual({});
    expect(echoes.map((d) => JSON.parse(d.body))).toMatchObject([
      { RecordType: "SubscriptionChange", Recipient: "back@example.com", SuppressSending: false, Origin: "Customer" },
    ]);
    expect(await replayDeliveries(echoes)).toEqual([200]);
    expect(await suppressionOf(tenant, "back@example.com")).toBeNull();
  });

  it("creates addresses added by hand in Postmark, 50 a call, and their echoes keep the local details", async () => {
    const tenant = await connectedTenant();
    const emails = Array.from({ length: 60 }, (_, i) => `hand${i}@example.com`);
    const res = await call("/v1/suppressions", {
      method: "POST",
      token: tenant.token,
      json: { emails, reason: "unsubscribe" },
    });
    const body = await res.json<{ added: number; postmark: { email: string; state: string }[] }>();
    expect(body.added).toBe(60);
    expect(body.postmark).toHaveLength(60);
    expect(new Set(body.postmark.map((p) => p.state))).toEqual(new Set(["done"]));
    expect((await standInState(tenant.postmarkToken)).pending).toHaveLength(60);

    const echoes = await flush(tenant);
    expect(Object.keys(await postmarkList(tenant.postmarkToken))).toHaveLength(60);
    expect(echoes).toHaveLength(60);
    expect(new Set(await replayDeliveries(echoes))).toEqual(new Set([200]));
    // Postmark calls them ManualSuppression by the Customer; here they stay what was added: unsubscribes.
    expect(await suppressionOf(tenant, "hand7@example.com")).toMatchObject({
      reason: "unsubscribe",
      origin: "api",
      postmark: { action: "create", state: "done" },
    });
  });

  it("tells when Postmark will not delete a spam complaint", async () => {
    const tenant = await connectedTenant();
    // Known here only as added by hand; Postmark has it as a spam complaint.
    await seed(tenant.postmarkToken, "complained@example.com", "SpamComplaint");
    await add(tenant, ["complained@example.com"]);
    const res = await reactivate(tenant, "complained@example.com");
    expect(res.status).toBe(204);
    expect(res.headers.get("Postmark-Sync")).toBe("failed");
    expect(await pushOf(tenant, "complained@example.com")).toMatchObject({
      action: "delete",
      state: "failed",
      message: "You do not have the required authority to change this suppression.",
    });
  });

  it("keeps pushes through a Postmark outage and drains them with the scheduled handler, partial Failed results included", async () => {
    const tenant = await connectedTenant();
    const t = tenant.postmarkToken;
    for (const email of ["a@example.com", "b@example.com", "spam@example.com"]) await seed(t, email, "HardBounce");
    await importFrom(tenant);
    await seed(t, "spam@example.com", "SpamComplaint"); // Postmark learns of a complaint we have not heard of yet

    await injectFault({ token: t, path: "/message-streams", status: 500, times: 3 });
    for (const email of ["a@example.com", "b@example.com", "spam@example.com"]) {
      const res = await reactivate(tenant, email);
      expect(res.status).toBe(204);
      expect(res.headers.get("Postmark-Sync")).toBe("pending");
    }
    expect(await pushOf(tenant, "a@example.com")).toMatchObject({
      state: "pending",
      attempts: 1,
      message: "Postmark could not be reached: Postmark answered HTTP 500",
      nextAttemptAt: expect.stringMatching(/Z$/),
    });
    // Still down for the first retry: pending again, with one more attempt.
    await injectFault({ token: t, path: "/message-streams", delayMs: 2500 });
    await runCron(tenant);
    expect(await pushOf(tenant, "a@example.com")).toMatchObject({ state: "pending", attempts: 2 });
    expect((await pushOf(tenant, "a@example.com"))?.message).toContain("no answer within 1.5 s");

    // Back: one call for the three, two deleted and the complaint refused.
    await runCron(tenant);
    expect(await pushOf(tenant, "a@example.com")).toMatchObject({ state: "done", attempts: 3 });
    expect(await pushOf(tenant, "b@example.com")).toMatchObject({ state: "done" });
    expect(await pushOf(tenant, "spam@example.com")).toMatchObject({ state: "failed", message: expect.any(String) });
    await flush(tenant);
    expect(await postmarkList(t)).toEqual({ "spam@example.com": "SpamComplaint" });
    // Nothing due is left: another run changes nothing.
    await runCron(tenant);
    expect(await pushOf(tenant, "a@example.com")).toMatchObject({ state: "done", attempts: 3 });
  });

  it("retries a refused push (401, 422) and gives up after the last attempt", async () => {
    const tenant = await connectedTenant();
    const t = tenant.postmarkToken;
    await injectFault({ token: t, path: "/message-streams", status: 401, errorCode: 10, message: "Bad token." });
    await add(tenant, ["x@example.com"]);
    expect(await pushOf(tenant, "x@example.com")).toMatchObject({
      state: "pending",
      message: "Postmark refused the request (HTTP 401, ErrorCode 10): Bad token.",
    });
    await injectFault({ token: t, path: "/message-streams", status: 422, errorCode: 1226, message: "No stream." });
    await env.DB.prepare("UPDATE postmark_pushes SET attempts = 9 WHERE tenant_id = ?1").bind(tenant.id).run();
    await runCron(tenant);
    expect(await pushOf(tenant, "x@example.com")).toMatchObject({
      state: "failed",
      attempts: 10,
      message: "Given up after 10 attempts: Postmark refused the request (HTTP 422, ErrorCode 1226): No stream.",
    });
    expect(await suppressionOf(tenant, "x@example.com")).toMatchObject({ postmark: { state: "failed" } });
    expect(await syncState(env.DB, tenant.id)).toMatchObject({
      pendingPushes: 0,
      failedPushes: 1,
      lastError: { message: expect.stringMatching(/^x@example.com \(outbound\): Given up after 10 attempts/) },
    });
  });

  it("pushes nothing without settings", async () => {
    const tenant = await createTenantWithWebhook();
    expect(await (await add(tenant, ["solo@example.com"])).json()).toEqual({ added: 1, postmark: null });
    const res = await reactivate(tenant, "solo@example.com");
    expect(res.headers.get("Postmark-Sync")).toBe("off");
    expect(await pushOf(tenant, "solo@example.com")).toBeNull();
  });
});

describe("echoes of our own changes", () => {
  /** Postmark has `email` as a hard bounce, and so does the list here. */
  async function suppressedBoth(tenant: Connected, email: string) {
    await seed(tenant.postmarkToken, email, "HardBounce");
    await importFrom(tenant);
    return (await webhookDeliveries(tenant.postmarkToken)).length;
  }

  it("a late echo of a reactivation never undoes the newer suppression made here", async () => {
    const tenant = await connectedTenant();
    const since = await suppressedBoth(tenant, "late@example.com");
    // Reactivated, then suppressed again here, before Postmark applied either change.
    expect((await reactivate(tenant, "late@example.com")).headers.get("Postmark-Sync")).toBe("done");
    expect(await (await add(tenant, ["late@example.com"])).json()).toMatchObject({ added: 1 });
    const [deleteEcho, createEcho] = await flush(tenant, since);
    // Both echoes are dated after both local changes.
    expect(JSON.parse(deleteEcho!.body)).toMatchObject({ SuppressSending: false, Origin: "Customer" });
    expect(JSON.parse(createEcho!.body)).toMatchObject({ SuppressSending: true, Origin: "Customer" });

    expect(await replayDeliveries([deleteEcho!])).toEqual([200]);
    expect(await suppressionOf(tenant, "late@example.com")).toMatchObject({ reason: "manual", origin: "api" });
    expect(await replayDeliveries([createEcho!, deleteEcho!])).toEqual([200, 200]);
    expect(await suppressionOf(tenant, "late@example.com")).toMatchObject({ reason: "manual", origin: "api" });
    expect(await postmarkList(tenant.postmarkToken)).toEqual({ "late@example.com": "ManualSuppression" });
  });

  it("a late echo of a suppression never undoes the newer reactivation made here", async () => {
    const tenant = await connectedTenant();
    await add(tenant, ["flip@example.com"]);
    await reactivate(tenant, "flip@example.com");
    const echoes = await flush(tenant);
    expect(echoes.map((d) => JSON.parse(d.body).SuppressSending)).toEqual([true, false]);
    expect(await replayDeliveries([echoes[0]!])).toEqual([200]);
    expect(await suppressionOf(tenant, "flip@example.com")).toBeNull();
    expect(await replayDeliveries([echoes[1]!, echoes[0]!])).toEqual([200, 200]);
    expect(await suppressionOf(tenant, "flip@example.com")).toBeNull();
  });

  it("an import between our suppression and Postmark's late apply keeps a newer reactivation", async () => {
    const tenant = await connectedTenant();
    await add(tenant, ["between@example.com"]);
    await injectFault({ token: tenant.postmarkToken, path: "/message-streams", status: 500 });
    await reactivate(tenant, "between@example.com"); // the delete waits (Postmark down)
    await flush(tenant); // Postmark applies the create only now: dated after the reactivation
    expect(await postmarkList(tenant.postmarkToken)).toEqual({ "between@example.com": "ManualSuppression" });
    expect(await (await importFrom(tenant)).json()).toMatchObject({ seen: 1, added: 0, skipped: 1 });
    expect(await suppressionOf(tenant, "between@example.com")).toBeNull();
    await runCron(tenant);
    await flush(tenant);
    expect(await postmarkList(tenant.postmarkToken)).toEqual({});
  });

  it("a Customer change made in Postmark itself still applies", async () => {
    const tenant = await connectedTenant();
    await postmarkApi(env, tenant.postmarkToken).createSuppressions("outbound", ["ui@example.com"]);
    expect(await replayDeliveries(await flush(tenant))).toEqual([200]);
    expect(await suppressionOf(tenant, "ui@example.com")).toMatchObject({ reason: "manual", origin: "postmark" });
  });
});

describe("tenant isolation", () => {
  it("imports and pushes only with the tenant's own settings, into its own Postmark server", async () => {
    const a = await connectedTenant();
    const b = await connectedTenant();
    await seed(b.postmarkToken, "b-only@example.com", "HardBounce");
    await seed(a.postmarkToken, "a-only@example.com", "HardBounce");
    expect(await (await importFrom(a)).json()).toMatchObject({ seen: 1, added: 1 });
    expect(await suppressionOf(a, "b-only@example.com")).toBeNull();
    expect(await suppressionOf(b, "a-only@example.com")).toBeNull();

    await add(a, ["pushed-by-a@example.com"]);
    await reactivate(a, "a-only@example.com");
    expect((await standInState(b.postmarkToken)).pending).toEqual([]);
    expect(await postmarkList(b.postmarkToken)).toEqual({ "b-only@example.com": "HardBounce" });
    expect((await standInState(a.postmarkToken)).pending).toHaveLength(2);
    // Another tenant's push state is not visible.
    expect(await pushOf(b, "pushed-by-a@example.com")).toBeNull();
    // A's pushes retried by the scheduled handler still go to A's server only.
    await injectFault({ token: a.postmarkToken, path: "/message-streams", status: 500 });
    await add(a, ["later@example.com"]);
    await runCron(a);
    expect((await standInState(b.postmarkToken)).pending).toEqual([]);
    expect(await pushOf(a, "later@example.com")).toMatchObject({ state: "done" });
  });
});

describe("bounds a hostile Postmark or tenant cannot cross (issue 20)", () => {
  const hostileDump = (token: string, kind: "endless" | "trickle", everyMs?: number) =>
    standIn("/__standin/hostile-dump", { token, kind, everyMs });
  const hostileReport = (token: string) =>
    standIn<{ served: number; closed: boolean } | null>(`/__standin/hostile-dump?token=${encodeURIComponent(token)}`);
  const rowCount = async (tenantId: string) =>
    (await env.DB.prepare("SELECT count(*) AS n FROM suppressions WHERE tenant_id = ?1").bind(tenantId).first<{
      n: number;
    }>())!.n;
  /** Polls until `check` holds (at most ~3 s): the stand-in sees a closed connection a moment after it happens. */
  async function eventually(check: () => Promise<boolean>) {
    for (let i = 0; i < 30 && !(await check()); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    return check();
  }

  it("stops a dump that never ends at the entry cap, says what was merged, and closes the transfer", async () => {
    const tenant = await connectedTenant();
    await hostileDump(tenant.postmarkToken, "endless");
    const res = await importFrom(tenant);
    const body = await expectError(res, 422, "import_too_large");
    // The suite's cap is 2,500 entries (vitest.config.ts; 300,000 in production).
    expect(body.message).toMatch(/more than 2,500 entries.*2500 added.*the rest was not read/);
    expect(await rowCount(tenant.id)).toBe(2500);
    expect(await eventually(async () => (await hostileReport(tenant.postmarkToken))?.closed === true)).toBe(true);
  });

  it("gives up on a dump that trickles one byte at a time at the deadline", async () => {
    const tenant = await connectedTenant();
    // A byte every 400 ms: the idle bound (1.5 s in the suite) never fires; the overall deadline (4 s) does.
    await hostileDump(tenant.postmarkToken, "trickle", 400);
    const res = await importFrom(tenant);
    const body = await expectError(res, 503, "postmark_unavailable");
    expect(body.message).toContain("did not arrive within 4 s");
    expect(await eventually(async () => (await hostileReport(tenant.postmarkToken))?.closed === true)).toBe(true);
    expect((await syncState(env.DB, tenant.id)).lastError).toMatchObject({
      message: expect.stringContaining("did not arrive within 4 s"),
    });
  });

  it("stops reading when the caller goes away", async () => {
    const tenant = await connectedTenant();
    await hostileDump(tenant.postmarkToken, "trickle", 200);
    const caller = new AbortController();
    const answer = exports.default
      .fetch(
        new Request("https://edge.test/v1/suppressions/import", {
          method: "POST",
          headers: { Authorization: `Bearer ${tenant.token}`, "Content-Type": "application/json" },
          body: "{}",
          signal: caller.signal,
        }),
      )
      .catch(() => null);
    await eventually(async () => ((await hostileReport(tenant.postmarkToken))?.served ?? 0) > 0);
    caller.abort();
    await answer;
    // Well before the 4 s deadline.
    const closed = await eventually(async () => (await hostileReport(tenant.postmarkToken))?.closed === true);
    expect(closed).toBe(true);
    expect((await hostileReport(tenant.postmarkToken))!.served).toBeLessThan(15);
  });

  it("takes a CreatedAt far in the future as the import's own time", async () => {
    const tenant = await connectedTenant();
    await seed(tenant.postmarkToken, "future@example.com", "HardBounce", "Recipient", "8999-01-01T00:00:00Z");
    expect(await (await importFrom(tenant)).json()).toMatchObject({ added: 1 });
    const row = await suppressionOf(tenant, "future@example.com");
    expect(Date.parse(row!.suppressedAt as string)).toBeLessThan(Date.now() + 6 * 60_000);
    // Reactivated here, the address can be suppressed again by a real bounce dated now.
    await reactivate(tenant, "future@example.com");
    const bounce = JSON.parse(hardBounce);
    await deliver(
      tenant,
      JSON.stringify({ ...bounce, ID: 77001, Email: "future@example.com", BouncedAt: new Date().toISOString() }),
    );
    expect(await suppressionOf(tenant, "future@example.com")).toMatchObject({ reason: "hard_bounce" });
  });

  it("an import brings in a suppression made in Postmark after our own suppression and reactivation", async () => {
    const tenant = await connectedTenant();
    await add(tenant, ["moved@example.com"]);
    await replayDeliveries(await flush(tenant));
    await reactivate(tenant, "moved@example.com");
    await replayDeliveries(await flush(tenant, 1));
    expect(await suppressionOf(tenant, "moved@example.com")).toBeNull();
    // Someone suppresses the address in Postmark itself (Origin Customer), within our create push's window.
    const since = (await webhookDeliveries(tenant.postmarkToken)).length;
    await postmarkApi(env, tenant.postmarkToken).createSuppressions("outbound", ["moved@example.com"]);
    await replayDeliveries(await flush(tenant, since));
    expect(await postmarkList(tenant.postmarkToken)).toEqual({ "moved@example.com": "ManualSuppression" });
    // The webhook alone is taken for our echo (the known limit); the import must not be.
    expect(await (await importFrom(tenant)).json()).toMatchObject({ seen: 1, added: 1, skipped: 0 });
    expect(await suppressionOf(tenant, "moved@example.com")).toMatchObject({ reason: "manual", origin: "postmark" });
  });

  it("one tenant's backlog does not hold back another tenant's push", async () => {
    const busy = await connectedTenant();
    const quiet = await connectedTenant();
    // Postmark refuses the busy tenant's calls: 600 pushes stay pending (more than one scheduled run claims).
    await injectFault({ token: busy.postmarkToken, path: "/message-streams", status: 500, times: 100 });
    const emails = Array.from({ length: 600 }, (_, i) => `backlog-${i}@example.com`);
    expect((await add(busy, emails)).status).toBe(200);
    await injectFault({ token: quiet.postmarkToken, path: "/message-streams", status: 500, times: 1 });
    await add(quiet, ["waiting@example.com"]);
    expect(await pushOf(quiet, "waiting@example.com")).toMatchObject({ state: "pending" });
    // The busy tenant's pushes have been waiting longest.
    const due = (tenantId: string, at: string) =>
      env.DB.prepare("UPDATE postmark_pushes SET next_attempt_at = ?2 WHERE tenant_id = ?1 AND state = 'pending'")
        .bind(tenantId, at)
        .run();
    await due(busy.id, "2000-01-01T00:00:00.0000000Z");
    await due(quiet.id, "2001-01-01T00:00:00.0000000Z");
    await worker.scheduled(createScheduledController(), env);
    expect(await pushOf(quiet, "waiting@example.com")).toMatchObject({ state: "done" });
  });

  it("refuses changes that would push more while 5000 pushes of the tenant wait, and changes nothing", async () => {
    const tenant = await connectedTenant();
    await env.DB.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
       INSERT INTO postmark_pushes (tenant_id, stream, email, version, action, state, attempts, requested_at, next_attempt_at)
       SELECT ?1, 'outbound', 'waiting-' || i || '@example.com', 'v' || i, 'create', 'pending', 1,
              '2026-01-01T00:00:00.0000000Z', '2999-01-01T00:00:00.0000000Z' FROM n`,
    )
      .bind(tenant.id)
      .run();
    const res = await add(tenant, ["one-more@example.com"]);
    const body = await expectError(res, 429, "too_many_pending_pushes");
    expect(body.message).toContain("5000 changes are still waiting");
    expect(res.headers.get("Retry-After")).toBe("60");
    expect(await suppressionOf(tenant, "one-more@example.com")).toBeNull();
    // A tenant without settings pushes nothing, so the cap does not apply to it.
    const other = await createTenantWithWebhook();
    expect((await add(other, ["fine@example.com"])).status).toBe(200);
  });

  it("limits suppression changes to 60 a minute and imports to 10 an hour, per tenant", async () => {
    const tenant = await createTenantWithWebhook();
    const other = await createTenantWithWebhook();
    for (let i = 0; i < 30; i++) {
      expect((await add(tenant, ["flip@example.com"])).status).toBe(200);
      expect((await reactivate(tenant, "flip@example.com")).status).toBe(204);
    }
    const res = await add(tenant, ["flip@example.com"]);
    await expectError(res, 429, "rate_limited");
    expect(Number(res.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(await suppressionOf(tenant, "flip@example.com")).toBeNull();
    // Another tenant is not affected.
    expect((await add(other, ["flip@example.com"])).status).toBe(200);

    const importer = await connectedTenant();
    for (let i = 0; i < 10; i++) expect((await importFrom(importer)).status).toBe(200);
    await expectError(await importFrom(importer), 429, "rate_limited");
    const install = await call("/v1/email/webhook/install", { method: "POST", token: importer.token });
    expect(install.status).toBe(200);
    expect(await install.json()).toMatchObject({
      installed: true,
      import: { failed: expect.stringContaining("10 imports") },
    });
  });
});
