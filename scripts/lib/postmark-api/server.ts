// A local stand-in for api.postmarkapp.com: the parts the Worker uses (server, message streams, webhooks,
// suppressions, stats), with Postmark's JSON shapes, headers and error bodies, plus Postmark's bounce testing.
// Used by `npm run dev`, the tests, bench and load. Test-only control endpoints live under /__standin/
// (loopback clients only). It posts webhooks only to loopback URLs; every post is recorded.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { bounceBody, bounceTestingType, bounceType } from "./bounce-testing.ts";
import { type HostileDump, type HostileDumpReport, serveHostileDump } from "./hostile-dump.ts";
import {
  DEFAULT_STREAMS,
  ErrorCodes,
  PostmarkApiError,
  queryParam,
  refuse,
  type StandInServer,
  type StandInServerInit,
  type SuppressionOrigin,
  type SuppressionReason,
  type WebhookDelivery,
} from "./model.ts";
import { addStats, recordBounce, recordSent, statsRoute } from "./stats.ts";
import {
  appliedSuppressions,
  applyPending,
  createSuppressions,
  deleteSuppressions,
  dumpSuppressions,
  requireStream,
  suppressNow,
} from "./suppressions.ts";
import { createWebhook, deleteWebhook, getWebhook, listWebhooks, postToWebhooks, updateWebhook } from "./webhooks.ts";

export type { StandInServerInit } from "./model.ts";

export interface PostmarkApiOptions {
  port?: number;
  host?: string;
  /** How long API suppression changes wait before they apply (Postmark: up to a minute). Infinity: only on flush. */
  applyDelayMs?: number;
  servers?: StandInServerInit[];
  /** An Account token: accepted on account endpoints (GET /servers), where it sees every server. */
  accountToken?: string;
}

export interface RunningPostmarkApi {
  url: string;
  port: number;
  close(): Promise<void>;
  /** A message sent through `token`'s server (counted in the Stats API), and bounce testing: what Postmark does when `token`'s server sends to `email` on `stream` (from `from`). */
  bounceTest(token: string, stream: string, email: string, from?: string): Promise<void>;
  addServer(init?: StandInServerInit): StandInServer;
  /** Applies pending suppression changes now (of one server, or all). */
  flush(token?: string): Promise<void>;
  deliveries(token: string): WebhookDelivery[];
}

interface Fault {
  token?: string;
  path?: string;
  status?: number;
  errorCode?: number;
  message?: string;
  delayMs?: number;
  remaining: number;
}

const MAX_BODY_BYTES = 10 * 1024 * 1024;
const LOOPBACK_ADDRESSES = new Set(["127.0.0.1", "::1", "::ffff:127.0.0.1"]);

export async function startPostmarkApi(options: PostmarkApiOptions = {}): Promise<RunningPostmarkApi> {
  const applyDelayMs = options.applyDelayMs ?? 1000;
  const servers = new Map<string, StandInServer>();
  const deliveries = new Map<string, WebhookDelivery[]>();
  /** Every API request, by the token it presented ("METHOD /path"), so tests see whose token went where. */
  const requests = new Map<string, string[]>();
  const applyTimers = new Map<string, ReturnType<typeof setTimeout>>();
  let faults: Fault[] = [];
  /** Test-only hostile dumps, armed by token, and what each served. */
  const hostileDumps = new Map<string, HostileDump>();
  const hostileReports = new Map<string, HostileDumpReport>();
  let nextServerId = 1;

  const post = (server: StandInServer, stream: string, recordType: "Bounce" | "SubscriptionChange", body: string) =>
    postToWebhooks(server, stream, recordType, body, deliveries);

  function addServer(init: StandInServerInit = {}): StandInServer {
    const token = init.token ?? randomUUID();
    if (servers.has(token)) return servers.get(token)!;
    const id = init.id ?? nextServerId++;
    const server: StandInServer = {
      token,
      ID: id,
      Name: init.name ?? `Server ${id}`,
      streams: (init.streams ?? DEFAULT_STREAMS).map((s) => ({ ...s })),
      webhooks: [],
      suppressions: new Map(),
      pending: [],
      stats: new Map(),
    };
    servers.set(token, server);
    return server;
  }
  for (const init of options.servers ?? []) addServer(init);

  async function flush(token?: string) {
    const targets = token ? [servers.get(token)].filter((s) => s !== undefined) : [...servers.values()];
    for (const server of targets) {
      clearTimeout(applyTimers.get(server.token));
      applyTimers.delete(server.token);
      await applyPending(server, post);
    }
  }

  function scheduleApply(server: StandInServer) {
    if (!Number.isFinite(applyDelayMs) || applyTimers.has(server.token) || server.pending.length === 0) return;
    const timer = setTimeout(() => {
      applyTimers.delete(server.token);
      void applyPending(server, post);
    }, applyDelayMs);
    timer.unref();
    applyTimers.set(server.token, timer);
  }

  async function bounce(server: StandInServer, stream: string, email: string, type: string, from?: string) {
    const messageId = randomUUID();
    const bouncedAt = new Date().toISOString();
    recordBounce(server, stream, type);
    await post(
      server,
      stream,
      "Bounce",
      bounceBody({ serverId: server.ID, stream, type, email, from, messageId, bouncedAt }),
    );
    if (type === "HardBounce") {
      const entry = {
        EmailAddress: email,
        SuppressionReason: "HardBounce" as const,
        Origin: "Recipient" as const,
        CreatedAt: bouncedAt,
      };
      await suppressNow(server, stream, entry, post, messageId);
    }
  }

  async function bounceTest(token: string, stream: string, email: string, from?: string) {
    const server = servers.get(token);
    const type = bounceTestingType(email);
    if (server) recordSent(server, stream);
    if (server && type) await bounce(server, stream, email, type, from);
  }

  // --- Postmark's API ---------------------------------------------------------------------------------------

  function serverView(server: StandInServer) {
    return {
      ID: server.ID,
      Name: server.Name,
      ApiTokens: [server.token],
      Color: "Blue",
      SmtpApiActivated: true,
      RawEmailEnabled: false,
      DeliveryType: "Live",
      ServerLink: `https://account.postmarkapp.com/servers/${server.ID}/streams`,
      InboundAddress: "",
      InboundHookUrl: "",
      BounceHookUrl: "",
      OpenHookUrl: "",
      DeliveryHookUrl: "",
      PostFirstOpenOnly: false,
      InboundDomain: "",
      InboundHash: "",
      InboundSpamThreshold: 0,
      TrackOpens: false,
      TrackLinks: "None",
      IncludeBounceContentInHook: false,
      ClickHookUrl: "",
      EnableSmtpApiErrorHooks: false,
    };
  }

  function streamView(server: StandInServer, stream: StandInServer["streams"][number]) {
    return {
      ID: stream.ID,
      ServerID: server.ID,
      Name: stream.Name,
      Description: null,
      MessageStreamType: stream.MessageStreamType,
      CreatedAt: "2026-01-01T00:00:00Z",
      UpdatedAt: null,
      ArchivedAt: null,
      ExpectedPurgeDate: null,
      SubscriptionManagementConfiguration: { UnsubscribeHandlingType: "Postmark" },
    };
  }

  /** GET /servers with the Account token. */
  function accountRoute(req: IncomingMessage, url: URL): unknown {
    const accountToken = req.headers["x-postmark-account-token"];
    if (!options.accountToken || accountToken !== options.accountToken) {
      throw new PostmarkApiError(401, ErrorCodes.invalidToken, "Request does not contain a valid Account token.");
    }
    if (req.method !== "GET") throw new PostmarkApiError(405, 0, "Method not allowed.");
    const count = Number(queryParam(url.searchParams, "count") ?? "100");
    const offset = Number(queryParam(url.searchParams, "offset") ?? "0");
    const all = [...servers.values()];
    return { TotalCount: all.length, Servers: all.slice(offset, offset + count).map(serverView) };
  }

  async function apiRoute(req: IncomingMessage, url: URL, body: unknown): Promise<unknown> {
    if (url.pathname === "/servers") return accountRoute(req, url);

    const tokenHeader = req.headers["x-postmark-server-token"];
    const server = typeof tokenHeader === "string" ? servers.get(tokenHeader) : undefined;
    if (!server) {
      const message = tokenHeader
        ? "Request does not contain a valid Server token."
        : "No Account or Server API tokens were supplied in the HTTP headers. Please add a header for either X-Postmark-Server-Token or X-Postmark-Account-Token.";
      throw new PostmarkApiError(401, ErrorCodes.invalidToken, message);
    }

    const segments = url.pathname.split("/").slice(1).map(decodeURIComponent);
    const route = `${req.method} /${segments.map((s, i) => (i > 0 && segments[0] !== "server" ? "*" : s)).join("/")}`;
    const asObject = (b: unknown) => {
      if (!b || typeof b !== "object" || Array.isArray(b))
        throw refuse(ErrorCodes.invalidJson, "Received invalid JSON input.");
      return b as Record<string, unknown>;
    };
    const [, second = "", third, fourth] = segments;

    switch (route) {
      case "GET /server":
        return serverView(server);
      case "GET /message-streams": {
        const type = queryParam(url.searchParams, "MessageStreamType");
        const streams = server.streams.filter((s) => !type || type === "All" || s.MessageStreamType === type);
        return { MessageStreams: streams.map((s) => streamView(server, s)), TotalCount: streams.length };
      }
      case "GET /message-streams/*":
        return streamView(server, requireStream(server, second));
      case "GET /message-streams/*/*/*":
        if (third === "suppressions" && fourth === "dump") return dumpSuppressions(server, second, url.searchParams);
        break;
      case "POST /message-streams/*/*":
        if (third === "suppressions") return createSuppressions(server, second, body, () => scheduleApply(server));
        break;
      case "POST /message-streams/*/*/*":
        if (third === "suppressions" && fourth === "delete") {
          return deleteSuppressions(server, second, body, () => scheduleApply(server));
        }
        break;
      case "GET /webhooks":
        return listWebhooks(server, url.searchParams);
      case "POST /webhooks":
        return createWebhook(server, asObject(body));
      case "GET /webhooks/*":
        return getWebhook(server, second);
      case "PUT /webhooks/*":
        return updateWebhook(server, second, asObject(body));
      case "DELETE /webhooks/*":
        return deleteWebhook(server, second);
      case "GET /stats/*":
      case "GET /stats/*/*": {
        const answer = second === "outbound" ? statsRoute(server, third ?? "", url.searchParams) : undefined;
        if (answer !== undefined) return answer;
        break;
      }
    }
    throw new PostmarkApiError(404, 0, `The stand-in does not serve ${req.method} ${url.pathname}.`);
  }

  // --- test-only control endpoints --------------------------------------------------------------------------

  function serverFor(token: unknown): StandInServer {
    const server = typeof token === "string" ? servers.get(token) : undefined;
    if (!server) throw new PostmarkApiError(404, 0, "No stand-in server has this token.");
    return server;
  }

  async function controlRoute(req: IncomingMessage, url: URL, body: Record<string, unknown>): Promise<unknown> {
    const route = `${req.method} ${url.pathname}`;
    const token = queryParam(url.searchParams, "token") ?? body.token;
    switch (route) {
      case "POST /__standin/servers": {
        const server = addServer({
          token: body.token as string | undefined,
          name: body.name as string | undefined,
          streams: body.streams as StandInServerInit["streams"],
        });
        return { token: server.token, id: server.ID, name: server.Name };
      }
      case "POST /__standin/faults":
        faults.push({
          token: body.token as string | undefined,
          path: body.path as string | undefined,
          status: body.status as number | undefined,
          errorCode: body.errorCode as number | undefined,
          message: body.message as string | undefined,
          delayMs: body.delayMs as number | undefined,
          remaining: (body.times as number | undefined) ?? 1,
        });
        return { ok: true };
      case "POST /__standin/hostile-dump":
        hostileDumps.set(token as string, { kind: body.kind as HostileDump["kind"], everyMs: body.everyMs as number });
        return { ok: true };
      case "GET /__standin/hostile-dump":
        return hostileReports.get(token as string) ?? null;
      case "POST /__standin/flush":
        await flush(token as string | undefined);
        return { ok: true };
      case "GET /__standin/state": {
        const server = serverFor(token);
        return {
          server: { ...serverView(server), streams: server.streams },
          webhooks: server.webhooks,
          suppressions: appliedSuppressions(server),
          pending: server.pending,
        };
      }
      case "GET /__standin/requests":
        return requests.get(String(token ?? "")) ?? [];
      case "GET /__standin/deliveries":
        return deliveries.get(serverFor(token).token) ?? [];
      case "POST /__standin/bounce": {
        const server = serverFor(token);
        const type = bounceType(String(body.type ?? ""));
        if (!type || typeof body.email !== "string")
          throw refuse(0, "Give email and a bounce type such as HardBounce.");
        await bounce(server, (body.stream as string | undefined) ?? "outbound", body.email, type);
        return { ok: true };
      }
      case "POST /__standin/stats":
        addStats(serverFor(token), body);
        return { ok: true };
      case "POST /__standin/suppress": {
        const server = serverFor(token);
        const stream = (body.stream as string | undefined) ?? "outbound";
        requireStream(server, stream);
        const list = server.suppressions.get(stream) ?? new Map();
        server.suppressions.set(stream, list);
        const email = String(body.email ?? "");
        // Seeding is silent: it stands for a suppression made before any webhook existed.
        list.set(email.toLowerCase(), {
          EmailAddress: email,
          SuppressionReason: (body.reason as SuppressionReason | undefined) ?? "ManualSuppression",
          Origin: (body.origin as SuppressionOrigin | undefined) ?? "Customer",
          CreatedAt: (body.createdAt as string | undefined) ?? new Date().toISOString(),
        });
        return { ok: true };
      }
      case "POST /__standin/reset":
        for (const timer of applyTimers.values()) clearTimeout(timer);
        applyTimers.clear();
        servers.clear();
        deliveries.clear();
        requests.clear();
        faults = [];
        hostileDumps.clear();
        hostileReports.clear();
        for (const init of options.servers ?? []) addServer(init);
        return { ok: true };
    }
    throw new PostmarkApiError(404, 0, `No control endpoint ${route}.`);
  }

  function takeFault(req: IncomingMessage, url: URL): Fault | undefined {
    const token = req.headers["x-postmark-server-token"] ?? req.headers["x-postmark-account-token"];
    const fault = faults.find(
      (f) => f.remaining > 0 && (!f.token || f.token === token) && (!f.path || url.pathname.startsWith(f.path)),
    );
    if (fault) fault.remaining -= 1;
    faults = faults.filter((f) => f.remaining > 0);
    return fault;
  }

  // --- HTTP -------------------------------------------------------------------------------------------------

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", "http://stand-in");
    const raw = await readBody(req);
    let body: unknown = null;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw);
      } catch {
        throw refuse(ErrorCodes.invalidJson, "Received invalid JSON input.");
      }
    }

    if (url.pathname.startsWith("/__standin/")) {
      if (!LOOPBACK_ADDRESSES.has(req.socket.remoteAddress ?? "")) throw new PostmarkApiError(403, 0, "Loopback only.");
      const answer = await controlRoute(req, url, (body ?? {}) as Record<string, unknown>);
      return send(res, 200, answer);
    }

    const presented = req.headers["x-postmark-server-token"] ?? req.headers["x-postmark-account-token"];
    if (typeof presented === "string") {
      const seen = requests.get(presented) ?? [];
      seen.push(`${req.method} ${url.pathname}`);
      requests.set(presented, seen);
    }
    const hostile = typeof presented === "string" ? hostileDumps.get(presented) : undefined;
    if (hostile && req.method === "GET" && url.pathname.endsWith("/suppressions/dump")) {
      hostileDumps.delete(presented as string);
      const report = { served: 0, closed: false };
      hostileReports.set(presented as string, report);
      return serveHostileDump(res, hostile, report);
    }
    const fault = takeFault(req, url);
    if (fault?.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    if (fault?.status) {
      return send(res, fault.status, { ErrorCode: fault.errorCode ?? 0, Message: fault.message ?? "Injected fault." });
    }
    return send(res, 200, await apiRoute(req, url, body));
  }

  const http = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent) return res.end();
      if (err instanceof PostmarkApiError)
        return send(res, err.status, { ErrorCode: err.errorCode, Message: err.message });
      send(res, 500, {
        ErrorCode: 0,
        Message: `Stand-in failure: ${err instanceof Error ? err.message : String(err)}`,
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const { port } = http.address() as AddressInfo;
  const host = options.host ?? "127.0.0.1";

  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    port,
    bounceTest,
    addServer,
    flush,
    deliveries: (token) => deliveries.get(token) ?? [],
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of applyTimers.values()) clearTimeout(timer);
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(refuse(ErrorCodes.invalidJson, "The request body is too large."));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, answer: unknown) {
  const text = typeof answer === "string" ? answer : JSON.stringify(answer);
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8" });
  res.end(text);
}
