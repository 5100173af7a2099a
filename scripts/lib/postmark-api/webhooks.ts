// The webhooks API (GET/POST /webhooks, GET/PUT/DELETE /webhooks/{id}) and the posts Postmark makes to them.
import {
  ErrorCodes,
  queryParam,
  refuse,
  type StandInServer,
  type StandInWebhook,
  type WebhookDelivery,
  type WebhookTriggers,
} from "./model.ts";

const MAX_WEBHOOKS_PER_SERVER = 10;
const DELIVERY_TIMEOUT_MS = 5000;
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

export type RecordType = "Bounce" | "SpamComplaint" | "SubscriptionChange";

const noTriggers = (): WebhookTriggers => ({
  Open: { Enabled: false, PostFirstOpenOnly: false },
  Click: { Enabled: false },
  Delivery: { Enabled: false },
  Bounce: { Enabled: false, IncludeContent: false },
  SpamComplaint: { Enabled: false, IncludeContent: false },
  SubscriptionChange: { Enabled: false },
});

let nextWebhookId = 1000;

function findWebhook(server: StandInServer, id: string): StandInWebhook {
  const webhook = server.webhooks.find((w) => String(w.ID) === id);
  if (!webhook) throw refuse(ErrorCodes.webhookNotFound, `Webhook with ID ${id} was not found.`);
  return webhook;
}

function parseUrl(value: unknown): string {
  if (typeof value !== "string") throw refuse(ErrorCodes.invalidWebhook, "The Url field is required.");
  try {
    const url = new URL(value);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error();
  } catch {
    throw refuse(ErrorCodes.invalidWebhook, `The Url '${value}' is not a valid http(s) URL.`);
  }
  return value;
}

/** Applies the fields Postmark lets a client set; Triggers are merged trigger by trigger. */
function applyFields(webhook: StandInWebhook, body: Record<string, unknown>) {
  if ("Url" in body) webhook.Url = parseUrl(body.Url);
  if ("HttpAuth" in body) {
    const auth = body.HttpAuth as { Username?: unknown; Password?: unknown } | null;
    webhook.HttpAuth =
      auth && (auth.Username || auth.Password)
        ? { Username: String(auth.Username ?? ""), Password: String(auth.Password ?? "") }
        : null;
  }
  if (Array.isArray(body.HttpHeaders)) {
    webhook.HttpHeaders = body.HttpHeaders.map((h: { Name?: unknown; Value?: unknown }) => ({
      Name: String(h.Name ?? ""),
      Value: String(h.Value ?? ""),
    }));
  }
  const triggers = body.Triggers as Partial<Record<keyof WebhookTriggers, Record<string, unknown>>> | undefined;
  if (triggers && typeof triggers === "object") {
    for (const name of Object.keys(webhook.Triggers) as (keyof WebhookTriggers)[]) {
      const given = triggers[name];
      if (given && typeof given === "object") Object.assign(webhook.Triggers[name], given);
    }
  }
}

export function listWebhooks(server: StandInServer, query: URLSearchParams) {
  const stream = queryParam(query, "MessageStream");
  return { Webhooks: server.webhooks.filter((w) => !stream || w.MessageStream === stream) };
}

export function getWebhook(server: StandInServer, id: string) {
  return findWebhook(server, id);
}

export function createWebhook(server: StandInServer, body: Record<string, unknown>) {
  const stream = typeof body.MessageStream === "string" ? body.MessageStream : "outbound";
  if (!server.streams.some((s) => s.ID === stream)) {
    throw refuse(ErrorCodes.streamNotFound, `The message stream for the provided 'ID' (${stream}) was not found.`);
  }
  if (server.webhooks.length >= MAX_WEBHOOKS_PER_SERVER) {
    throw refuse(ErrorCodes.tooManyWebhooks, `A server can have at most ${MAX_WEBHOOKS_PER_SERVER} webhooks.`);
  }
  const webhook: StandInWebhook = {
    ID: nextWebhookId++,
    Url: parseUrl(body.Url),
    MessageStream: stream,
    HttpAuth: null,
    HttpHeaders: [],
    Triggers: noTriggers(),
  };
  applyFields(webhook, body);
  server.webhooks.push(webhook);
  return webhook;
}

export function updateWebhook(server: StandInServer, id: string, body: Record<string, unknown>) {
  const webhook = findWebhook(server, id);
  applyFields(webhook, body);
  return webhook;
}

export function deleteWebhook(server: StandInServer, id: string) {
  const webhook = findWebhook(server, id);
  server.webhooks = server.webhooks.filter((w) => w !== webhook);
  return { ErrorCode: 0, Message: `Webhook ${id} removed.` };
}

/** Whether Postmark would post a `recordType` event of `stream` to this webhook. */
function wants(webhook: StandInWebhook, stream: string, recordType: RecordType): boolean {
  return webhook.MessageStream === stream && webhook.Triggers[recordType].Enabled;
}

/**
 * Posts `body` to every webhook of `stream` that has the trigger for `recordType` enabled, and records each
 * post. Only loopback URLs are really sent to: the stand-in never posts anywhere else.
 */
export async function postToWebhooks(
  server: StandInServer,
  stream: string,
  recordType: RecordType,
  body: string,
  deliveries: Map<string, WebhookDelivery[]>,
): Promise<void> {
  const targets = server.webhooks.filter((w) => wants(w, stream, recordType));
  const list = deliveries.get(server.token) ?? [];
  deliveries.set(server.token, list);
  await Promise.all(
    targets.map(async (webhook) => {
      const delivery = await deliver(webhook, body);
      list.push(delivery);
    }),
  );
}

async function deliver(webhook: StandInWebhook, body: string): Promise<WebhookDelivery> {
  const url = new URL(webhook.Url);
  const username = webhook.HttpAuth?.Username ?? (url.username ? decodeURIComponent(url.username) : null);
  const password = webhook.HttpAuth?.Password ?? (url.password ? decodeURIComponent(url.password) : null);
  url.username = "";
  url.password = "";
  const delivery: WebhookDelivery = { url: url.href, username, password, body, delivered: false };
  if (!LOOPBACK_HOSTS.has(url.hostname)) return delivery;

  const headers: Record<string, string> = { "Content-Type": "application/json", "User-Agent": "Postmark" };
  for (const h of webhook.HttpHeaders) headers[h.Name] = h.Value;
  if (username !== null || password !== null) {
    headers.Authorization = `Basic ${Buffer.from(`${username ?? ""}:${password ?? ""}`).toString("base64")}`;
  }
  try {
    const res = await fetch(url, {
      method: "POST",
      headers,
      body,
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
    await res.arrayBuffer();
    return { ...delivery, delivered: true, status: res.status };
  } catch (err) {
    return { ...delivery, error: err instanceof Error ? err.message : String(err) };
  }
}
