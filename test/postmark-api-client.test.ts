// The Worker's Postmark API client (src/postmark/api/) against the local stand-in, a real HTTP server.
import { env } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import { isAccountToken, PostmarkRefused, PostmarkUnavailable, postmarkApi } from "../src/postmark/api/client";
import { injectFault, newPostmarkServer, standIn } from "./postmark-api-helpers";

describe("postmarkApi", () => {
  it("reads the server, its streams and one stream", async () => {
    const { token, id } = await newPostmarkServer("Client test");
    const api = postmarkApi(env, token);
    expect(await api.getServer()).toMatchObject({ ID: id, Name: "Client test" });
    expect((await api.listStreams()).map((s) => [s.ID, s.MessageStreamType])).toEqual([
      ["outbound", "Transactional"],
      ["broadcast", "Broadcasts"],
      ["inbound", "Inbound"],
    ]);
    expect(await api.getStream("broadcast")).toMatchObject({ ID: "broadcast", MessageStreamType: "Broadcasts" });
  });

  it("creates, lists, updates and deletes webhooks", async () => {
    const { token } = await newPostmarkServer();
    const api = postmarkApi(env, token);
    const created = await api.createWebhook({
      Url: "https://edge.example/webhooks/postmark/t1",
      MessageStream: "outbound",
      HttpAuth: { Username: "u", Password: "p" },
      Triggers: { Bounce: { Enabled: true } },
    });
    expect(await api.listWebhooks("outbound")).toEqual([created]);
    expect(await api.listWebhooks("broadcast")).toEqual([]);
    const updated = await api.updateWebhook(created.ID, { HttpAuth: { Username: "u2", Password: "p2" } });
    expect(updated.HttpAuth).toEqual({ Username: "u2", Password: "p2" });
    await api.deleteWebhook(created.ID);
    expect(await api.listWebhooks()).toEqual([]);
  });

  it("creates and deletes suppressions (applied later), with per-address results", async () => {
    const { token } = await newPostmarkServer();
    const api = postmarkApi(env, token);
    expect(await api.createSuppressions("outbound", ["a@example.com", "bad address"])).toEqual([
      { EmailAddress: "a@example.com", Status: "Suppressed", Message: null },
      { EmailAddress: "bad address", Status: "Failed", Message: "Invalid email address." },
    ]);
    expect(await api.dumpSuppressions("outbound")).toEqual([]);
    await standIn("/__standin/flush", { token });
    expect(await api.dumpSuppressions("outbound")).toEqual([
      expect.objectContaining({ EmailAddress: "a@example.com", SuppressionReason: "ManualSuppression" }),
    ]);
    expect(await api.deleteSuppressions("outbound", ["a@example.com"])).toEqual([
      { EmailAddress: "a@example.com", Status: "Deleted", Message: null },
    ]);
    await expect(api.createSuppressions("outbound", Array(51).fill("x@example.com"))).rejects.toThrow(RangeError);
  });

  it("reads Postmark's outbound stats: the overview, sends and bounces per day of one stream", async () => {
    const { token } = await newPostmarkServer();
    await standIn("/__standin/stats", { token, date: "2026-11-20", sent: 1000, bounces: { HardBounce: 120 } });
    await standIn("/__standin/stats", { token, stream: "broadcast", date: "2026-11-20", sent: 7 });
    const api = postmarkApi(env, token);
    const query = { stream: "outbound", from: "2026-11-14", to: "2026-11-20" };
    expect(await api.outboundOverview(query)).toMatchObject({ Sent: 1000, Bounced: 120, BounceRate: 12 });
    expect(await api.sentCounts(query)).toEqual({ Days: [{ Date: "2026-11-20", Sent: 1000 }], Sent: 1000 });
    expect((await api.bounceCounts(query)).Days).toEqual([{ Date: "2026-11-20", HardBounce: 120 }]);
    await injectFault({ token, path: "/stats", status: 401, errorCode: 10, message: "Bad token" });
    await expect(api.outboundOverview(query)).rejects.toBeInstanceOf(PostmarkRefused);
    await injectFault({ token, path: "/stats", status: 503 });
    await expect(api.sentCounts(query)).rejects.toBeInstanceOf(PostmarkUnavailable);
  });

  it("turns a refused token (401, ErrorCode 10) into PostmarkRefused without the token in it", async () => {
    const err = await postmarkApi(env, "refused-token-abcdef")
      .getServer()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PostmarkRefused);
    expect(err).toMatchObject({ status: 401, errorCode: 10 });
    expect(String((err as Error).message)).not.toContain("refused-token-abcdef");
  });

  it("turns a 422 into PostmarkRefused with Postmark's code and message", async () => {
    const { token } = await newPostmarkServer();
    const err = await postmarkApi(env, token)
      .getStream("no-such-stream")
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PostmarkRefused);
    expect(err).toMatchObject({ status: 422, errorCode: 1226 });
  });

  it("keeps the token out of a message that repeats it", async () => {
    const { token } = await newPostmarkServer();
    await injectFault({ token, status: 422, errorCode: 300, message: `Token ${token} is odd` });
    const err = (await postmarkApi(env, token)
      .getServer()
      .catch((e: unknown) => e)) as PostmarkRefused;
    expect(err.message).toBe("Token [redacted] is odd");
  });

  it("keeps the token out in any case, and any long run of it", async () => {
    const { token } = await newPostmarkServer();
    const variants = [token.toUpperCase(), token.slice(0, -1), `${token.slice(0, 12)}-and-${token.slice(-12)}`];
    await injectFault({ token, status: 422, errorCode: 300, message: `Tokens: ${variants.join(" / ")}`, times: 1 });
    const err = (await postmarkApi(env, token)
      .getServer()
      .catch((e: unknown) => e)) as PostmarkRefused;
    expect(err.message).toBe("Tokens: [redacted] / [redacted] / [redacted]-and[redacted]");
  });

  it("takes Postmark's names as one short line of text", async () => {
    const { token } = await newPostmarkServer(`Evil\u202E\u0000name ${"x".repeat(2 * 1024 * 1024)}`);
    const server = await postmarkApi(env, token).getServer();
    expect(server.Name.length).toBeLessThanOrEqual(100);
    expect(server.Name).toMatch(/^Evil {1,2}name x+\.\.\.$/);
  });

  it("turns a 500, a timeout and a closed port into PostmarkUnavailable", async () => {
    const { token } = await newPostmarkServer();
    await injectFault({ token, status: 500, message: "Internal" });
    const failing = await postmarkApi(env, token)
      .getServer()
      .catch((e: unknown) => e);
    expect(failing).toBeInstanceOf(PostmarkUnavailable);
    expect(failing).toMatchObject({ reason: "Postmark answered HTTP 500" });

    await injectFault({ token, delayMs: 3000 }); // over the 1.5 s test bound
    const started = Date.now();
    const slow = await postmarkApi(env, token)
      .getServer()
      .catch((e: unknown) => e);
    expect(slow).toBeInstanceOf(PostmarkUnavailable);
    expect((slow as PostmarkUnavailable).reason).toBe("no answer within 1.5 s");
    expect(Date.now() - started).toBeLessThan(2900);

    const closed = await postmarkApi({ POSTMARK_API_URL: "http://127.0.0.1:9" }, token)
      .getServer()
      .catch((e: unknown) => e);
    expect(closed).toBeInstanceOf(PostmarkUnavailable);
  });

  it("waits for a slow answer within the bound", async () => {
    const { token } = await newPostmarkServer("Slow but fine");
    await injectFault({ token, delayMs: 600 });
    expect((await postmarkApi(env, token).getServer()).Name).toBe("Slow but fine");
  });

  it("tells an Account token from a Server token", async () => {
    const { token } = await newPostmarkServer();
    expect(await isAccountToken(env, inject("postmark").accountToken)).toBe(true);
    expect(await isAccountToken(env, token)).toBe(false);
  });
});
