// The local Postmark API stand-in, driven by Postmark's official Node client (`postmark` 5.x): if the
// official client can use it, the stand-in speaks Postmark's dialect (paths, headers, query names, bodies,
// error shapes), and the Worker's own client is tested against something real.
import { AccountClient, Models, ServerClient } from "postmark";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningPostmarkApi, startPostmarkApi } from "../../scripts/lib/postmark-api/server.ts";

let api: RunningPostmarkApi;
const accountToken = "account-token-for-the-official-client";
const options = () => {
  const { host } = new URL(api.url);
  return { requestHost: host, useHttps: false, timeout: 5 };
};

beforeAll(async () => {
  api = await startPostmarkApi({
    applyDelayMs: Number.POSITIVE_INFINITY,
    accountToken,
    servers: [
      { token: "server-token-a", name: "Server A" },
      { token: "server-token-b", name: "Server B" },
    ],
  });
});
afterAll(() => api.close());

const control = (path: string, body?: unknown) =>
  fetch(api.url + path, {
    method: body === undefined ? "GET" : "POST",
    headers: { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).then((r) => r.json());

describe("the stand-in through Postmark's official client", () => {
  it("serves the server, its streams and one stream", async () => {
    const client = new ServerClient("server-token-a", options());
    const server = await client.getServer();
    expect(server).toMatchObject({ Name: "Server A", ApiTokens: ["server-token-a"] });

    const all = await client.getMessageStreams();
    expect(all.MessageStreams.map((s) => [s.ID, s.MessageStreamType])).toEqual([
      ["outbound", "Transactional"],
      ["broadcast", "Broadcasts"],
      ["inbound", "Inbound"],
    ]);
    const inbound = await client.getMessageStreams({ messageStreamType: "Inbound" });
    expect(inbound.MessageStreams.map((s) => s.ID)).toEqual(["inbound"]);
    expect((await client.getMessageStream("broadcast")).Name).toBe("Default Broadcast Stream");
  });

  it("refuses a bad token with 401 and ErrorCode 10, and an unknown stream with 422 and ErrorCode 1226", async () => {
    const refused = await new ServerClient("not-a-token", options()).getServer().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(Error);
    expect(refused).toMatchObject({ name: "InvalidAPIKeyError", statusCode: 401, code: 10 });

    const missing = await new ServerClient("server-token-a", options())
      .getMessageStream("no-such-stream")
      .catch((e: unknown) => e);
    expect(missing).toMatchObject({ statusCode: 422, code: 1226 });
  });

  it("lists servers for the Account token only", async () => {
    const servers = await new AccountClient(accountToken, options()).getServers();
    expect(servers.Servers.map((s) => s.Name)).toEqual(["Server A", "Server B"]);
    const withServerToken = await new AccountClient("server-token-a", options()).getServers().catch((e) => e);
    expect(withServerToken).toMatchObject({ statusCode: 401, code: 10 });
  });

  it("creates, lists, edits and deletes webhooks per stream, and keeps servers apart", async () => {
    const client = new ServerClient("server-token-a", options());
    const created = await client.createWebhook({
      Url: "https://hooks.example/postmark",
      MessageStream: "outbound",
      HttpAuth: { Username: "user", Password: "pass" },
      Triggers: { Bounce: { Enabled: true, IncludeContent: false }, SubscriptionChange: { Enabled: true } },
    });
    expect(created).toMatchObject({
      Url: "https://hooks.example/postmark",
      MessageStream: "outbound",
      HttpAuth: { Username: "user", Password: "pass" },
      Triggers: { Bounce: { Enabled: true }, SubscriptionChange: { Enabled: true }, Open: { Enabled: false } },
    });
    expect((await client.getWebhooks({ messageStream: "outbound" })).Webhooks.map((w) => w.ID)).toEqual([created.ID]);
    expect((await client.getWebhooks({ messageStream: "broadcast" })).Webhooks).toEqual([]);

    const edited = await client.editWebhook(created.ID, { Triggers: { Open: { Enabled: true } } });
    expect(edited.Triggers).toMatchObject({ Open: { Enabled: true }, Bounce: { Enabled: true } });
    expect((await client.getWebhook(created.ID)).Triggers.Open?.Enabled).toBe(true);

    // Another server's token neither sees nor reaches this webhook.
    const other = new ServerClient("server-token-b", options());
    expect((await other.getWebhooks()).Webhooks).toEqual([]);
    await expect(other.deleteWebhook(created.ID)).rejects.toMatchObject({ statusCode: 422 });

    const deleted = await client.deleteWebhook(created.ID);
    expect(deleted.ErrorCode).toBe(0);
    expect((await client.getWebhooks()).Webhooks).toEqual([]);
  });

  it("takes suppressions asynchronously, at most 50 a call, and will not delete a spam complaint", async () => {
    const client = new ServerClient("server-token-a", options());
    const created = await client.createSuppressions("outbound", {
      Suppressions: [{ EmailAddress: "a@example.com" }, { EmailAddress: "not an address" }],
    });
    expect(created.Suppressions).toEqual([
      { EmailAddress: "a@example.com", Status: "Suppressed", Message: null },
      { EmailAddress: "not an address", Status: "Failed", Message: "Invalid email address." },
    ]);
    // Accepted, not applied yet: Postmark applies changes later.
    expect((await client.getSuppressions("outbound")).Suppressions).toEqual([]);
    await control("/__standin/flush", { token: "server-token-a" });
    const dump = await client.getSuppressions("outbound");
    expect(dump.Suppressions).toEqual([
      expect.objectContaining({
        EmailAddress: "a@example.com",
        SuppressionReason: "ManualSuppression",
        Origin: "Customer",
      }),
    ]);
    const filtered = await client.getSuppressions(
      "outbound",
      new Models.SuppressionFilteringParameters(undefined, undefined, Models.SuppressionReason.HardBounce),
    );
    expect(filtered.Suppressions).toEqual([]);

    const tooMany = Array.from({ length: 51 }, (_, i) => ({ EmailAddress: `n${i}@example.com` }));
    await expect(client.createSuppressions("outbound", { Suppressions: tooMany })).rejects.toMatchObject({
      statusCode: 422,
    });

    await control("/__standin/suppress", {
      token: "server-token-a",
      email: "complained@example.com",
      reason: "SpamComplaint",
      origin: "Recipient",
    });
    const deleted = await client.deleteSuppressions("outbound", {
      Suppressions: [{ EmailAddress: "a@example.com" }, { EmailAddress: "complained@example.com" }],
    });
    expect(deleted.Suppressions.map((s) => s.Status)).toEqual(["Deleted", "Failed"]);
    await control("/__standin/flush", { token: "server-token-a" });
    expect((await client.getSuppressions("outbound")).Suppressions.map((s) => s.EmailAddress)).toEqual([
      "complained@example.com",
    ]);
  });

  it("posts bounce testing and suppression echoes to the webhooks that ask for them", async () => {
    const { token } = await control("/__standin/servers", { name: "Echoes" });
    const client = new ServerClient(token, options());
    await client.createWebhook({
      Url: "https://user:secret@hooks.example/cb",
      MessageStream: "outbound",
      Triggers: { Bounce: { Enabled: true }, SubscriptionChange: { Enabled: true } },
    });
    await client.createWebhook({
      Url: "https://hooks.example/opens-only",
      MessageStream: "outbound",
      Triggers: { Open: { Enabled: true } },
    });

    await api.bounceTest(token, "outbound", "HardBounce@Bounce-Testing.PostmarkApp.com");
    await client.createSuppressions("outbound", { Suppressions: [{ EmailAddress: "later@example.com" }] });
    await control("/__standin/flush", { token });

    const deliveries = await control(`/__standin/deliveries?token=${token}`);
    expect(deliveries.map((d: { url: string }) => d.url)).toEqual([
      "https://hooks.example/cb",
      "https://hooks.example/cb",
      "https://hooks.example/cb",
    ]);
    // Not on this machine, so recorded and never sent.
    expect(deliveries.every((d: { delivered: boolean }) => !d.delivered)).toBe(true);
    expect(deliveries[0].username).toBe("user");
    const [bounce, bounceEcho, apiEcho] = deliveries.map((d: { body: string }) => JSON.parse(d.body));
    expect(bounce).toMatchObject({ RecordType: "Bounce", Type: "HardBounce", TypeCode: 1, Inactive: true });
    expect(deliveries[0].body).toMatch(/"ID":\d{19},/); // 64-bit, exact in the text
    expect(bounceEcho).toMatchObject({
      RecordType: "SubscriptionChange",
      SuppressSending: true,
      SuppressionReason: "HardBounce",
      Origin: "Recipient",
      Recipient: "HardBounce@Bounce-Testing.PostmarkApp.com",
    });
    expect(apiEcho).toMatchObject({
      RecordType: "SubscriptionChange",
      SuppressSending: true,
      SuppressionReason: "ManualSuppression",
      Origin: "Customer",
      MessageID: null,
      Recipient: "later@example.com",
    });
  });

  it("serves the Stats API per stream and Eastern day: told counts plus what went through it", async () => {
    const { token } = await control("/__standin/servers", { name: "Stats" });
    const client = new ServerClient(token, options());
    await control("/__standin/stats", {
      token,
      date: "2026-11-20",
      sent: 1000,
      bounces: { HardBounce: 120, SoftBounce: 3, SMTPApiError: 2 },
      spamComplaints: 4,
    });
    await control("/__standin/stats", { token, stream: "broadcast", date: "2026-11-20", sent: 50 });
    await control("/__standin/stats", { token, date: "2026-11-22", sent: 10 });
    const filter = new Models.StatisticsFilteringParameters(undefined, "2026-11-20", "2026-11-21", "outbound");

    expect(await client.getOutboundOverview(filter)).toMatchObject({
      Sent: 1000,
      Bounced: 123,
      SMTPApiErrors: 2,
      BounceRate: 12.3,
      SpamComplaints: 4,
      SpamComplaintsRate: 0.4,
    });
    expect(await client.getSentCounts(filter)).toEqual({ Days: [{ Date: "2026-11-20", Sent: 1000 }], Sent: 1000 });
    expect(await client.getBounceCounts(filter)).toEqual({
      Days: [{ Date: "2026-11-20", HardBounce: 120, SoftBounce: 3, SMTPApiError: 2 }],
      HardBounce: 120,
      SoftBounce: 3,
      SMTPApiError: 2,
    });
    // No stream: all of the server's streams; no dates: all time.
    expect((await client.getSentCounts()).Sent).toBe(1060);

    // A message sent through the server and a bounce it made count on today's Eastern date.
    await api.bounceTest(token, "outbound", "SoftBounce@bounce-testing.postmarkapp.com");
    const today = new Intl.DateTimeFormat("en-CA", { timeZone: "America/New_York" }).format(new Date());
    const now = new Models.StatisticsFilteringParameters(undefined, today, today, "outbound");
    expect(await client.getSentCounts(now)).toMatchObject({ Days: [{ Date: today, Sent: 1 }], Sent: 1 });
    expect((await client.getBounceCounts(now)).Days).toEqual([{ Date: today, SoftBounce: 1 }]);
  });

  it("injects faults: a status with Postmark's error body, after a delay, for the next n matching requests", async () => {
    await control("/__standin/faults", { token: "server-token-b", path: "/server", status: 500, times: 1 });
    const client = new ServerClient("server-token-b", options());
    await expect(client.getServer()).rejects.toMatchObject({ statusCode: 500, name: "InternalServerError" });
    expect((await client.getServer()).Name).toBe("Server B");

    await control("/__standin/faults", { token: "server-token-b", delayMs: 1500 });
    const slow = new ServerClient("server-token-b", { ...options(), timeout: 0.5 });
    await expect(slow.getServer()).rejects.toThrow(/abort|timeout/i);
  });
});
