// The Worker's client for Postmark's REST API (only the calls this service makes).
//
// A small typed fetch client rather than the official `postmark` package: that package works in workerd
// (checked with a custom fetch), but it adds 14.6 KiB gzip to the bundle as wrangler builds it (10.1 KiB
// minified), against 61.7 KiB for the whole Worker today and a budget of 80; it also puts path segments
// into URLs unencoded and reports a timeout and a refusal through the same error class. This one is about
// 1.5 KiB. The Node-side test (test/node/postmark-standin.test.ts) checks the local stand-in with the
// official client, so both speak the same dialect.
import { peerText } from "../../text";
import { PostmarkRefused, PostmarkUnavailable } from "./errors";

export { PostmarkRefused, PostmarkUnavailable } from "./errors";

export const DEFAULT_POSTMARK_API_URL = "https://api.postmarkapp.com";
/** Every call's bound; a request that calls Postmark a few times still ends well inside its own limits. */
export const POSTMARK_TIMEOUT_MS = 5000;
/** Postmark takes at most this many addresses per suppression create or delete. */
export const MAX_SUPPRESSIONS_PER_CALL = 50;

export type MessageStreamType = "Transactional" | "Broadcasts" | "Inbound";

export interface PostmarkServer {
  ID: number;
  Name: string;
}

export interface PostmarkStream {
  ID: string;
  Name: string;
  MessageStreamType: MessageStreamType;
  ArchivedAt?: string | null;
}

export interface WebhookTriggers {
  Open?: { Enabled: boolean; PostFirstOpenOnly?: boolean };
  Click?: { Enabled: boolean };
  Delivery?: { Enabled: boolean };
  Bounce?: { Enabled: boolean; IncludeContent?: boolean };
  SpamComplaint?: { Enabled: boolean; IncludeContent?: boolean };
  SubscriptionChange?: { Enabled: boolean };
}

export interface PostmarkWebhook {
  ID: number;
  Url: string;
  MessageStream: string;
  HttpAuth?: { Username: string; Password: string } | null;
  HttpHeaders?: { Name: string; Value: string }[];
  Triggers: WebhookTriggers;
}

/** What createWebhook/updateWebhook send (updateWebhook ignores MessageStream: Postmark cannot move a webhook). */
export interface WebhookInput {
  Url?: string;
  MessageStream?: string;
  HttpAuth?: { Username: string; Password: string };
  HttpHeaders?: { Name: string; Value: string }[];
  Triggers?: WebhookTriggers;
}

export type PostmarkSuppressionReason = "HardBounce" | "SpamComplaint" | "ManualSuppression";

export interface PostmarkSuppression {
  EmailAddress: string;
  SuppressionReason: PostmarkSuppressionReason;
  Origin: "Recipient" | "Customer" | "Admin";
  CreatedAt: string;
}

export interface SuppressionResult {
  EmailAddress: string;
  Status: "Suppressed" | "Deleted" | "Failed";
  Message: string | null;
}

/** Which of Postmark's stats: one stream (null: all), days YYYY-MM-DD of Postmark's time zone (US Eastern), inclusive. */
export interface StatsQuery {
  stream: string | null;
  from: string;
  to: string;
}

/** GET /stats/outbound (the fields this service reads; rates in percent of Sent). */
export interface OutboundOverview {
  Sent: number;
  Bounced: number;
  SMTPApiErrors: number;
  BounceRate: number;
  SpamComplaints: number;
  SpamComplaintsRate: number;
}

/** GET /stats/outbound/sends: sent per day (days without mail may be missing). */
export interface SentCounts {
  Days: { Date: string; Sent: number }[];
  Sent: number;
}

/** GET /stats/outbound/bounces: per day, a count per bounce type that occurred (HardBounce, SoftBounce, ...). */
export interface BounceCounts {
  Days: ({ Date: string } & Record<string, number | string>)[];
}

export interface PostmarkApi {
  getServer(): Promise<PostmarkServer>;
  listStreams(): Promise<PostmarkStream[]>;
  getStream(id: string): Promise<PostmarkStream>;
  listWebhooks(stream?: string): Promise<PostmarkWebhook[]>;
  createWebhook(webhook: WebhookInput): Promise<PostmarkWebhook>;
  updateWebhook(id: number, webhook: WebhookInput): Promise<PostmarkWebhook>;
  deleteWebhook(id: number): Promise<void>;
  dumpSuppressions(stream: string): Promise<PostmarkSuppression[]>;
  /** At most MAX_SUPPRESSIONS_PER_CALL addresses; Postmark applies them later (up to about a minute). */
  createSuppressions(stream: string, emails: string[]): Promise<SuppressionResult[]>;
  /** At most MAX_SUPPRESSIONS_PER_CALL addresses; a spam complaint comes back `Failed`. */
  deleteSuppressions(stream: string, emails: string[]): Promise<SuppressionResult[]>;
  outboundOverview(query: StatsQuery): Promise<OutboundOverview>;
  sentCounts(query: StatsQuery): Promise<SentCounts>;
  bounceCounts(query: StatsQuery): Promise<BounceCounts>;
}

type ClientEnv = Pick<Env, "POSTMARK_API_URL"> & { TEST_POSTMARK_TIMEOUT_MS?: string };

/** Postmark's base URL from POSTMARK_API_URL (an origin, e.g. the local stand-in), or the real one. */
export function postmarkApiUrl(env: ClientEnv): string {
  const configured = env.POSTMARK_API_URL?.trim();
  return (configured || DEFAULT_POSTMARK_API_URL).replace(/\/+$/, "");
}

/** The call bound; the test-only binding TEST_POSTMARK_TIMEOUT_MS can lower it (never raise it). */
function timeoutMs(env: ClientEnv): number {
  const requested = Number(env.TEST_POSTMARK_TIMEOUT_MS);
  return Number.isFinite(requested) && requested > 0 ? Math.min(requested, POSTMARK_TIMEOUT_MS) : POSTMARK_TIMEOUT_MS;
}

type Auth = { header: "X-Postmark-Server-Token" | "X-Postmark-Account-Token"; token: string };

async function call<T>(env: ClientEnv, auth: Auth, method: string, path: string, body?: unknown): Promise<T> {
  const url = postmarkApiUrl(env) + path;
  const ms = timeoutMs(env);
  let res: Response;
  let text: string;
  try {
    const signal = AbortSignal.timeout(ms);
    res = await fetch(url, {
      method,
      headers: {
        Accept: "application/json",
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        [auth.header]: auth.token,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
    // The body is read under the same bound: a server that sends headers and then stalls is unavailable too.
    text = await res.text();
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
    throw new PostmarkUnavailable(timedOut ? `no answer within ${ms / 1000} s` : "the connection failed");
  }

  const json = parseJson(text);
  failUnlessOk(res, json, auth);
  if (res.status < 200 || res.status >= 300 || json === undefined || json === null || typeof json !== "object") {
    throw new PostmarkUnavailable(`Postmark gave an answer that is not its JSON (HTTP ${res.status})`);
  }
  return json as T;
}

function parseJson(text: string): unknown {
  try {
    return text === "" ? {} : JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Postmark's free text as kept here (peerText: one line, the token redacted): a message, a name. */
const MAX_MESSAGE_CHARS = 300;
const MAX_NAME_CHARS = 100;
const named = <T extends { Name: string }>(item: T, token: string): T => ({
  ...item,
  Name: peerText(item.Name, MAX_NAME_CHARS, [token]),
});
const withSafeMessages = (results: SuppressionResult[], token: string): SuppressionResult[] =>
  results.map((r) => ({ ...r, Message: r.Message == null ? null : peerText(r.Message, MAX_MESSAGE_CHARS, [token]) }));

/** Throws what a 4xx or 5xx answer means (`json`: its parsed body, if any). */
function failUnlessOk(res: Response, json: unknown, auth: Auth): void {
  if (res.status >= 500 || res.status === 429) {
    throw new PostmarkUnavailable(
      res.status === 429 ? "Postmark is rate limiting requests (HTTP 429)" : `Postmark answered HTTP ${res.status}`,
    );
  }
  if (res.status >= 400) {
    const error = (json ?? {}) as { ErrorCode?: unknown; Message?: unknown };
    throw new PostmarkRefused(
      res.status,
      typeof error.ErrorCode === "number" ? error.ErrorCode : 0,
      peerText(error.Message, MAX_MESSAGE_CHARS, [auth.token]) || `HTTP ${res.status}`,
    );
  }
}

/**
 * The suppression dump of a stream as a byte stream, for readers that must not hold it whole (100,000
 * entries are about 10 MB): the call's bound applies to the answer's start and then to every pause between
 * chunks, not to the whole transfer. Errors as for every call; the stream errors with PostmarkUnavailable
 * when Postmark stalls or drops the connection half-way.
 */
export async function openSuppressionDump(
  env: ClientEnv,
  serverToken: string,
  stream: string,
  /** Ends the transfer (the reader then gets PostmarkUnavailable): the caller's deadline, or its client gone. */
  stop?: AbortSignal,
): Promise<ReadableStream<Uint8Array>> {
  const auth: Auth = { header: "X-Postmark-Server-Token", token: serverToken };
  const ms = timeoutMs(env);
  const abort = new AbortController();
  if (stop?.aborted) abort.abort();
  stop?.addEventListener("abort", () => abort.abort(), { once: true });
  let timer = setTimeout(() => abort.abort(), ms);
  const stalled = () => new PostmarkUnavailable(`no answer within ${ms / 1000} s`);
  let res: Response;
  try {
    res = await fetch(`${postmarkApiUrl(env)}/message-streams/${segment(stream)}/suppressions/dump`, {
      headers: { Accept: "application/json", [auth.header]: auth.token },
      signal: abort.signal,
    });
  } catch {
    clearTimeout(timer);
    throw abort.signal.aborted ? stalled() : new PostmarkUnavailable("the connection failed");
  }
  if (!res.ok || !res.body) {
    let text = "";
    try {
      text = await res.text();
    } catch {
      // an error answer whose body fails: its status says enough
    } finally {
      clearTimeout(timer);
    }
    failUnlessOk(res, parseJson(text), auth);
    throw new PostmarkUnavailable(`Postmark gave an answer that is not its JSON (HTTP ${res.status})`);
  }
  const reader = res.body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      clearTimeout(timer);
      timer = setTimeout(() => abort.abort(), ms);
      try {
        const { done, value } = await reader.read();
        if (done) {
          clearTimeout(timer);
          controller.close();
        } else controller.enqueue(value);
      } catch {
        clearTimeout(timer);
        controller.error(abort.signal.aborted ? stalled() : new PostmarkUnavailable("the connection broke off"));
      }
    },
    cancel(reason) {
      clearTimeout(timer);
      return reader.cancel(reason);
    },
  });
}

const segment = (value: string | number) => encodeURIComponent(String(value));
const statsQuery = (q: StatsQuery) =>
  `?${q.stream === null ? "" : `messagestream=${segment(q.stream)}&`}fromdate=${segment(q.from)}&todate=${segment(q.to)}`;
const suppressionsBody = (emails: string[]) => {
  if (emails.length > MAX_SUPPRESSIONS_PER_CALL) {
    throw new RangeError(`at most ${MAX_SUPPRESSIONS_PER_CALL} addresses per Postmark suppression call`);
  }
  return { Suppressions: emails.map((EmailAddress) => ({ EmailAddress })) };
};

/** Postmark's server API for one Server API token. */
export function postmarkApi(env: ClientEnv, serverToken: string): PostmarkApi {
  const auth: Auth = { header: "X-Postmark-Server-Token", token: serverToken };
  const get = <T>(path: string) => call<T>(env, auth, "GET", path);
  const send = <T>(method: string, path: string, body?: unknown) => call<T>(env, auth, method, path, body);
  return {
    // Names and messages are Postmark's free text: filtered here, so nothing downstream shows or stores them raw.
    getServer: async () => named(await get<PostmarkServer>("/server"), serverToken),
    listStreams: async () =>
      (await get<{ MessageStreams: PostmarkStream[] }>("/message-streams?MessageStreamType=All")).MessageStreams.map(
        (stream) => named(stream, serverToken),
      ),
    getStream: async (id) => named(await get<PostmarkStream>(`/message-streams/${segment(id)}`), serverToken),
    listWebhooks: async (stream) =>
      (await get<{ Webhooks: PostmarkWebhook[] }>(stream ? `/webhooks?MessageStream=${segment(stream)}` : "/webhooks"))
        .Webhooks,
    createWebhook: (webhook) => send<PostmarkWebhook>("POST", "/webhooks", webhook),
    updateWebhook: (id, webhook) => send<PostmarkWebhook>("PUT", `/webhooks/${segment(id)}`, webhook),
    deleteWebhook: async (id) => {
      await send("DELETE", `/webhooks/${segment(id)}`);
    },
    dumpSuppressions: async (stream) =>
      (await get<{ Suppressions: PostmarkSuppression[] }>(`/message-streams/${segment(stream)}/suppressions/dump`))
        .Suppressions,
    createSuppressions: async (stream, emails) =>
      withSafeMessages(
        (
          await send<{ Suppressions: SuppressionResult[] }>(
            "POST",
            `/message-streams/${segment(stream)}/suppressions`,
            suppressionsBody(emails),
          )
        ).Suppressions,
        serverToken,
      ),
    deleteSuppressions: async (stream, emails) =>
      withSafeMessages(
        (
          await send<{ Suppressions: SuppressionResult[] }>(
            "POST",
            `/message-streams/${segment(stream)}/suppressions/delete`,
            suppressionsBody(emails),
          )
        ).Suppressions,
        serverToken,
      ),
    outboundOverview: (q) => get<OutboundOverview>(`/stats/outbound${statsQuery(q)}`),
    sentCounts: (q) => get<SentCounts>(`/stats/outbound/sends${statsQuery(q)}`),
    bounceCounts: (q) => get<BounceCounts>(`/stats/outbound/bounces${statsQuery(q)}`),
  };
}

/**
 * Whether `token` is an Account token (Postmark accepts those on account endpoints such as GET /servers,
 * and refuses them where a Server token is needed). Used only to explain a refused token.
 */
export async function isAccountToken(env: ClientEnv, token: string): Promise<boolean> {
  try {
    await call(env, { header: "X-Postmark-Account-Token", token }, "GET", "/servers?count=1&offset=0");
    return true;
  } catch {
    return false;
  }
}
