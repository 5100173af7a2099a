// Connecting to Postmark through its API: the token checked on save, GET /v1/email/postmark, installing and
// removing the webhook, rotation reaching Postmark. Against the local stand-in, a real HTTP server.
import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, inject, it, type MockInstance, vi } from "vitest";
import worker from "../src/index";
import { call, configureEmail, createTenant, expectError, type TestTenant, VALID_SETTINGS } from "./helpers";
import {
  connectedTenant,
  injectFault,
  newPostmarkServer,
  replayDeliveries,
  standIn,
  standInRequests,
  standInState,
  webhookDeliveries,
} from "./postmark-api-helpers";
import { getWebhook, suppressionOf } from "./postmark-helpers";

const put = (tenant: TestTenant, json: unknown) =>
  call("/v1/email/settings", { method: "PUT", token: tenant.token, json });
const install = (tenant: TestTenant) => call("/v1/email/webhook/install", { method: "POST", token: tenant.token });
const uninstall = (tenant: TestTenant) => call("/v1/email/webhook/install", { method: "DELETE", token: tenant.token });
const connection = async (tenant: TestTenant) => {
  const res = await call("/v1/email/postmark", { token: tenant.token });
  expect(res.status).toBe(200);
  return res.json<Record<string, unknown> & { webhook: Record<string, unknown> }>();
};

describe("PUT /v1/email/settings checks a new token with Postmark", () => {
  it("saves a token Postmark knows and names its server", async () => {
    const { tenant, postmark, saved } = await connectedTenant();
    expect(saved.postmark).toEqual({
      verified: true,
      serverName: postmark.name,
      serverId: postmark.id,
      checkedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    const read = await (await call("/v1/email/settings", { token: tenant.token })).json<Record<string, unknown>>();
    expect(read.postmark).toEqual(saved.postmark);
  });

  it("refuses a token Postmark refuses (401, ErrorCode 10) and saves nothing", async () => {
    const tenant = await createTenant();
    const error = await expectError(
      await put(tenant, { ...VALID_SETTINGS, apiKey: "unknown-token-0123" }),
      400,
      "validation_failed",
    );
    expect(error.fields).toEqual({ apiKey: expect.stringMatching(/^was refused by Postmark \(ErrorCode 10: /) });
    await expectError(await call("/v1/email/settings", { token: tenant.token }), 404, "not_configured");
  });

  it("says when the token is an Account token", async () => {
    const tenant = await createTenant();
    const error = await expectError(
      await put(tenant, { ...VALID_SETTINGS, apiKey: inject("postmark").accountToken }),
      400,
      "validation_failed",
    );
    expect(error.fields?.apiKey).toMatch(/^is an Account token: Postmark needs a Server API token/);
  });

  it("refuses a stream that is not on the server, and an Inbound stream", async () => {
    const tenant = await createTenant();
    const { token, name } = await newPostmarkServer("Streams");
    const missing = await expectError(
      await put(tenant, { ...VALID_SETTINGS, apiKey: token, messageStream: "newsletters" }),
      400,
      "validation_failed",
    );
    expect(missing.fields).toEqual({ messageStream: expect.stringContaining(`does not exist on server "${name}"`) });
    const inbound = await expectError(
      await put(tenant, { ...VALID_SETTINGS, apiKey: token, messageStream: "inbound" }),
      400,
      "validation_failed",
    );
    expect(inbound.fields?.messageStream).toMatch(/is an Inbound stream/);
    await expectError(await call("/v1/email/settings", { token: tenant.token }), 404, "not_configured");

    const broadcast = await configureEmail(tenant, { ...VALID_SETTINGS, apiKey: token, messageStream: "broadcast" });
    expect(broadcast).toMatchObject({ messageStream: "broadcast", postmark: { verified: true } });
  });

  it("checks a new stream with the saved token when the key is not sent again", async () => {
    const { tenant } = await connectedTenant();
    const { apiKey: _kept, ...withoutKey } = VALID_SETTINGS;
    const error = await expectError(
      await put(tenant, { ...withoutKey, messageStream: "nope" }),
      400,
      "validation_failed",
    );
    expect(Object.keys(error.fields ?? {})).toEqual(["messageStream"]);
    expect((await configureEmail(tenant, { ...withoutKey, messageStream: "broadcast" })).messageStream).toBe(
      "broadcast",
    );
  });

  it("saves unverified, and says why, when Postmark fails (500) or does not answer in time", async () => {
    const tenant = await createTenant();
    const { token } = await newPostmarkServer();
    await injectFault({ token, status: 500, message: "Internal error", times: 2 });
    const failing = await configureEmail(tenant, { ...VALID_SETTINGS, apiKey: token });
    expect(failing.postmark).toEqual({
      verified: false,
      serverName: null,
      serverId: null,
      checkedAt: expect.any(String),
      reason: expect.stringMatching(/Postmark could not be reached \(Postmark answered HTTP 500\)/),
    });

    await injectFault({ token, delayMs: 2500, times: 2 });
    const started = Date.now();
    const slow = await configureEmail(tenant, { ...VALID_SETTINGS, apiKey: token });
    expect(Date.now() - started).toBeLessThan(2400); // one bound (1.5 s in tests) for both calls, not two
    expect(slow.postmark).toMatchObject({ verified: false, reason: expect.stringMatching(/no answer within 1.5 s/) });
  });

  it("waits for a slow answer within the bound and verifies", async () => {
    const tenant = await createTenant();
    const { token } = await newPostmarkServer();
    await injectFault({ token, delayMs: 500, times: 2 });
    expect((await configureEmail(tenant, { ...VALID_SETTINGS, apiKey: token })).postmark).toMatchObject({
      verified: true,
    });
  });
});

describe("POST /v1/email/webhook/install", () => {
  it("creates one webhook for the stream with the current credentials and the three triggers", async () => {
    const { tenant, postmark } = await connectedTenant();
    const res = await install(tenant);
    expect(res.status).toBe(200);
    const answer = await res.json<{ webhookId: number }>();
    expect(answer).toEqual({
      installed: true,
      webhookId: expect.any(Number),
      stream: "outbound",
      created: true,
      import: { stream: "outbound", seen: 0, added: 0, alreadySuppressed: 0, skipped: 0 },
    });

    const callback = await getWebhook(tenant);
    const { webhooks } = await standInState(postmark.token);
    expect(webhooks).toEqual([
      expect.objectContaining({
        ID: answer.webhookId,
        Url: callback.url,
        MessageStream: "outbound",
        HttpAuth: { Username: callback.username, Password: callback.password },
        Triggers: {
          Open: { Enabled: false, PostFirstOpenOnly: false },
          Click: { Enabled: false },
          Delivery: { Enabled: false },
          Bounce: { Enabled: true, IncludeContent: false },
          SpamComplaint: { Enabled: true, IncludeContent: false },
          SubscriptionChange: { Enabled: true },
        },
      }),
    ]);
  });

  it("never makes a second webhook: installing twice updates the first", async () => {
    const { tenant, postmark } = await connectedTenant();
    const first = await (await install(tenant)).json<{ webhookId: number }>();
    const second = await (await install(tenant)).json();
    expect(second).toMatchObject({ installed: true, webhookId: first.webhookId, stream: "outbound", created: false });
    expect((await standInState(postmark.token)).webhooks).toHaveLength(1);
  });

  it("adopts a webhook pasted by hand (credentials in its URL), keeps its Open/Click/Delivery, drops copies", async () => {
    const { tenant, postmark } = await connectedTenant();
    const callback = await getWebhook(tenant);
    const api = inject("postmark").url;
    const pasted = {
      Url: callback.urlWithCredentials,
      MessageStream: "outbound",
      Triggers: {
        Open: { Enabled: true },
        Delivery: { Enabled: true },
        Bounce: { Enabled: true, IncludeContent: true },
      },
    };
    const createByHand = () =>
      fetch(`${api}/webhooks`, {
        method: "POST",
        headers: { "X-Postmark-Server-Token": postmark.token, "Content-Type": "application/json" },
        body: JSON.stringify(pasted),
      }).then((r) => r.json<{ ID: number }>());
    const original = await createByHand();
    await createByHand(); // pasted twice
    const other = await fetch(`${api}/webhooks`, {
      method: "POST",
      headers: { "X-Postmark-Server-Token": postmark.token, "Content-Type": "application/json" },
      body: JSON.stringify({ Url: "https://elsewhere.example/hook", MessageStream: "outbound" }),
    }).then((r) => r.json<{ ID: number }>());

    const answer = await (await install(tenant)).json();
    expect(answer).toMatchObject({ installed: true, webhookId: original.ID, stream: "outbound", created: false });
    const { webhooks } = await standInState(postmark.token);
    expect(webhooks.map((w) => w.ID).sort()).toEqual([original.ID, other.ID].sort());
    const adopted = webhooks.find((w) => w.ID === original.ID)!;
    expect(adopted.Url).toBe(callback.url);
    expect(adopted.HttpAuth).toEqual({ Username: callback.username, Password: callback.password });
    expect(adopted.Triggers).toMatchObject({
      Open: { Enabled: true },
      Delivery: { Enabled: true },
      Click: { Enabled: false },
      Bounce: { Enabled: true, IncludeContent: true },
      SpamComplaint: { Enabled: true },
      SubscriptionChange: { Enabled: true },
    });
  });

  it("imports what Postmark suppressed before, once; an import that fails leaves the webhook installed", async () => {
    const { tenant, postmark } = await connectedTenant();
    await standIn("/__standin/suppress", {
      token: postmark.token,
      email: "Old.Bounce@example.com",
      reason: "HardBounce",
      origin: "Recipient",
      createdAt: "2026-01-02T03:04:05Z",
    });
    const answer = await (await install(tenant)).json<{ import: unknown }>();
    expect(answer.import).toEqual({ stream: "outbound", seen: 1, added: 1, alreadySuppressed: 0, skipped: 0 });
    expect(await suppressionOf(tenant, "old.bounce@example.com")).toMatchObject({
      reason: "hard_bounce",
      origin: "postmark",
    });
    expect((await connection(tenant)).sync).toMatchObject({
      lastImport: { stream: "outbound", seen: 1, added: 1, alreadySuppressed: 0 },
    });

    await injectFault({ token: postmark.token, path: "/message-streams/outbound/suppressions/dump", status: 500 });
    const again = await install(tenant);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({
      installed: true,
      created: false,
      import: { failed: expect.stringMatching(/^Postmark could not be reached/) },
    });
    expect((await standInState(postmark.token)).webhooks).toHaveLength(1);
  });

  it("then a bounce Postmark posts reaches the report and the list (bounce testing, replayed)", async () => {
    const { tenant, postmark } = await connectedTenant();
    expect((await install(tenant)).status).toBe(200);
    const address = "hardbounce@bounce-testing.postmarkapp.com";
    await standIn("/__standin/bounce", { token: postmark.token, email: address, type: "HardBounce" });

    const deliveries = await webhookDeliveries(postmark.token);
    expect(deliveries.map((d) => JSON.parse(d.body).RecordType)).toEqual(["Bounce", "SubscriptionChange"]);
    expect(await replayDeliveries(deliveries)).toEqual([200, 200]);
    expect(await suppressionOf(tenant, address)).toMatchObject({ reason: "hard_bounce" });
  });

  it("is 409 without settings, and touches no Postmark server", async () => {
    const tenant = await createTenant();
    await expectError(await install(tenant), 409, "not_configured");
    await expectError(await uninstall(tenant), 409, "not_configured");
  });

  it("is 502 postmark_error with Postmark's code and message when Postmark refuses", async () => {
    const { tenant, postmark } = await connectedTenant();
    await injectFault({ token: postmark.token, path: "/webhooks", status: 422, errorCode: 1242, message: "Too many" });
    const error = await expectError(await install(tenant), 502, "postmark_error");
    expect(error.message).toMatch(/ErrorCode 1242\): Too many/);
  });

  it("is 502 when the saved token is refused now (401, ErrorCode 10)", async () => {
    const { tenant, postmark } = await connectedTenant();
    await injectFault({ token: postmark.token, status: 401, errorCode: 10, message: "Bad token" });
    const error = await expectError(await install(tenant), 502, "postmark_error");
    expect(error.message).toMatch(/HTTP 401, ErrorCode 10/);
  });

  it("is 503 postmark_unavailable on a 500 and on a timeout", async () => {
    const { tenant, postmark } = await connectedTenant();
    await injectFault({ token: postmark.token, status: 500 });
    await expectError(await install(tenant), 503, "postmark_unavailable");
    await injectFault({ token: postmark.token, delayMs: 2500 });
    const error = await expectError(await install(tenant), 503, "postmark_unavailable");
    expect(error.message).toMatch(/no answer within 1.5 s/);
    expect((await standInState(postmark.token)).webhooks).toEqual([]);
  });

  it("works through a slow answer", async () => {
    const { tenant, postmark } = await connectedTenant();
    await injectFault({ token: postmark.token, delayMs: 500, times: 3 });
    expect((await install(tenant)).status).toBe(200);
  });
});

describe("DELETE /v1/email/webhook/install", () => {
  it("removes the webhook from Postmark and leaves other webhooks", async () => {
    const { tenant, postmark } = await connectedTenant();
    const { webhookId } = await (await install(tenant)).json<{ webhookId: number }>();
    const res = await uninstall(tenant);
    expect(await res.json()).toEqual({ installed: false, stream: "outbound", removedWebhookIds: [webhookId] });
    expect((await standInState(postmark.token)).webhooks).toEqual([]);
    expect((await connection(tenant)).webhook).toMatchObject({ installed: false });
  });
});

describe("POST /v1/email/webhook/rotate with the webhook installed", () => {
  it("puts the new credentials on the webhook in Postmark and says so", async () => {
    const { tenant, postmark } = await connectedTenant();
    const { webhookId } = await (await install(tenant)).json<{ webhookId: number }>();
    const rotated = await (await call("/v1/email/webhook/rotate", { method: "POST", token: tenant.token })).json<{
      username: string;
      password: string;
      postmark: unknown;
    }>();
    expect(rotated.postmark).toEqual({ updated: true, webhookId });
    const [webhook] = (await standInState(postmark.token)).webhooks;
    expect(webhook?.HttpAuth).toEqual({ Username: rotated.username, Password: rotated.password });

    // Postmark's next post carries the new credentials and is accepted.
    await standIn("/__standin/bounce", { token: postmark.token, email: "soft@example.com", type: "SoftBounce" });
    expect(await replayDeliveries(await webhookDeliveries(postmark.token))).toEqual([200]);
  });

  it("says when there is nothing to update, and rotates anyway when Postmark is down", async () => {
    const { tenant, postmark } = await connectedTenant();
    const rotate = () => call("/v1/email/webhook/rotate", { method: "POST", token: tenant.token });
    const none = await (await rotate()).json<{ postmark: unknown }>();
    expect(none.postmark).toEqual({ updated: false, webhookId: null, reason: expect.stringMatching(/no webhook/) });

    await install(tenant);
    await injectFault({ token: postmark.token, status: 500 });
    const before = await getWebhook(tenant);
    const res = await rotate();
    expect(res.status).toBe(200);
    const down = await res.json<{ username: string; postmark: unknown }>();
    expect(down.username).not.toBe(before.username);
    expect(down.postmark).toEqual({
      updated: false,
      webhookId: null,
      reason: expect.stringMatching(/^Postmark could not be reached/),
    });

    const noSettings = await createTenant();
    const plain = await (await call("/v1/email/webhook/rotate", { method: "POST", token: noSettings.token })).json<{
      postmark: unknown;
    }>();
    expect(plain.postmark).toMatchObject({ updated: false, reason: "no Postmark settings are saved" });
  });
});

describe("GET /v1/email/postmark", () => {
  it("shows the server, its outbound streams, the webhook, the last event and the sync state", async () => {
    const { tenant, postmark } = await connectedTenant();
    const before = await connection(tenant);
    expect(before).toEqual({
      reachable: true,
      verification: expect.objectContaining({ verified: true, serverName: postmark.name }),
      server: { id: postmark.id, name: postmark.name },
      streams: [
        { id: "outbound", name: "Default Transactional Stream", type: "Transactional" },
        { id: "broadcast", name: "Default Broadcast Stream", type: "Broadcasts" },
      ],
      webhook: { installed: false, webhookId: null, stream: "outbound", url: (await getWebhook(tenant)).url },
      messageStream: "outbound",
      lastEvent: null,
      sync: { pendingPushes: 0, failedPushes: 0, lastImport: null, lastError: null },
    });

    const { webhookId } = await (await install(tenant)).json<{ webhookId: number }>();
    await standIn("/__standin/bounce", { token: postmark.token, email: "gone@example.com", type: "HardBounce" });
    await replayDeliveries(await webhookDeliveries(postmark.token));
    const after = await connection(tenant);
    expect(after.webhook).toEqual({
      installed: true,
      webhookId,
      stream: "outbound",
      url: expect.any(String),
      triggers: {
        bounce: true,
        spamComplaint: true,
        subscriptionChange: true,
        open: false,
        click: false,
        delivery: false,
      },
    });
    expect(after.lastEvent).toMatchObject({ stream: "outbound", email: "gone@example.com" });
  });

  it("says when Postmark cannot be reached and shows what is known here", async () => {
    const { tenant, postmark } = await connectedTenant();
    const { webhookId } = await (await install(tenant)).json<{ webhookId: number }>();
    await injectFault({ token: postmark.token, status: 503, times: 3 });
    const down = await connection(tenant);
    expect(down).toMatchObject({
      reachable: false,
      reason: expect.stringMatching(/^Postmark could not be reached/),
      server: { id: postmark.id, name: postmark.name },
      streams: null,
      webhook: { installed: true, webhookId, stream: "outbound" },
      messageStream: "outbound",
    });
  });

  it("marks the saved token unverified when Postmark refuses it now", async () => {
    const { tenant, postmark } = await connectedTenant();
    await injectFault({ token: postmark.token, status: 401, errorCode: 10, message: "Revoked", times: 3 });
    const refused = await connection(tenant);
    expect(refused).toMatchObject({ reachable: true, verification: { verified: false } });
    const settings = await (await call("/v1/email/settings", { token: tenant.token })).json<{
      postmark: { verified: boolean; reason: string };
    }>();
    expect(settings.postmark).toMatchObject({ verified: false, reason: expect.stringMatching(/Revoked/) });
  });

  it("is 404 not_configured without settings", async () => {
    await expectError(await call("/v1/email/postmark", { token: (await createTenant()).token }), 404, "not_configured");
  });
});

describe("tenant isolation", () => {
  it("a tenant's calls reach only its own Postmark server and webhook", async () => {
    const a = await connectedTenant();
    const b = await connectedTenant();
    await install(a.tenant);
    const aBefore = await standInState(a.postmark.token);
    const aRequests = await standInRequests(a.postmark.token);

    // Everything tenant B's token can make the Worker do with Postmark.
    const asB = (path: string, init: { method?: string; json?: unknown } = {}) =>
      call(path, { ...init, token: b.tenant.token });
    await install(b.tenant);
    await uninstall(b.tenant);
    await install(b.tenant);
    await asB("/v1/email/webhook/rotate", { method: "POST" });
    await asB("/v1/email/postmark");
    await asB("/v1/suppressions/import", { method: "POST", json: {} });
    await asB("/v1/suppressions", { method: "POST", json: { emails: ["isolated@example.com"] } });
    await asB("/v1/suppressions/isolated%40example.com", { method: "DELETE" });
    await asB("/v1/deliverability");
    await asB("/v1/reports/bounces");
    await put(b.tenant, { ...VALID_SETTINGS, apiKey: b.postmark.token });
    await worker.scheduled(createScheduledController(), env); // retries whatever of B's is still due

    // A's token was never presented again for B, and A's server is as it was. (The scheduled handler evaluates
    // A's own deliverability with A's token: that is A's stats, asked for A.)
    const forA = (requests: string[]) => requests.filter((r) => r !== "GET /stats/outbound");
    const aAfter = await standInRequests(a.postmark.token);
    expect(forA(aAfter)).toEqual(forA(aRequests));
    expect(aAfter.length - aRequests.length).toBe(1); // the one scheduled evaluation of A
    expect(await standInState(a.postmark.token)).toEqual(aBefore);
    const bRequests = await standInRequests(b.postmark.token);
    expect(bRequests).toEqual(expect.arrayContaining(["GET /server", "POST /webhooks"]));
    expect(bRequests.some((r) => r.includes("/suppressions"))).toBe(true);
    expect(bRequests).toEqual(expect.arrayContaining(["GET /stats/outbound", "GET /stats/outbound/sends"]));
    const bState = await standInState(b.postmark.token);
    expect(bState.webhooks.map((w) => w.Url)).toEqual([(await getWebhook(b.tenant)).url]);
    expect((await connection(b.tenant)).server).toEqual({ id: b.postmark.id, name: b.postmark.name });
  });
});

describe("the Postmark token stays secret", () => {
  let spies: MockInstance[] = [];
  beforeEach(() => {
    spies = (["log", "info", "warn", "error", "debug"] as const).map((m) => vi.spyOn(console, m));
  });
  afterEach(() => {
    for (const spy of spies) spy.mockRestore();
  });

  it("is in no answer and no log line, also when Postmark repeats it or fails", async () => {
    const { tenant, postmark } = await connectedTenant();
    const { token } = postmark;
    const texts: string[] = [];
    const record = async (res: Response) => texts.push(`${res.status} ${await res.text()}`);

    await record(await call("/v1/email/settings", { token: tenant.token }));
    await record(await install(tenant));
    await record(await call("/v1/email/postmark", { token: tenant.token }));
    await injectFault({ token, status: 422, errorCode: 99, message: `Refused ${token.toUpperCase()}` });
    await record(await install(tenant));
    await injectFault({
      token,
      status: 401,
      errorCode: 10,
      message: `Token ${token.slice(0, -1)} is not valid`,
      times: 3,
    });
    await record(await call("/v1/email/postmark", { token: tenant.token }));
    await record(await call("/v1/email/settings", { token: tenant.token }));
    await injectFault({ token, status: 500, message: `Failure for ${token}`, times: 3 });
    await record(await call("/v1/email/webhook/rotate", { method: "POST", token: tenant.token }));
    await record(await uninstall(tenant));
    await record(await put(tenant, { ...VALID_SETTINGS, apiKey: token }));

    expect(texts.some((t) => t.includes("[redacted]"))).toBe(true); // Postmark's message came through, redacted
    for (const text of texts) expect(text.toLowerCase()).not.toContain(token.toLowerCase().slice(0, 8));
    const logged = spies.flatMap((s) => s.mock.calls.map((args) => args.map(String).join(" ")));
    for (const line of logged) expect(line).not.toContain(token);
  });
});
