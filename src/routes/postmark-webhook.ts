// The Postmark callback URL: its credentials (tenant token) and the webhook itself (HTTP Basic).
import { type Context, Hono } from "hono";
import { basicCredentials, newWebhookCredential, revealPassword } from "../crypto/webhook-credentials";
import { batchCommitterFor } from "../db/batch-commit";
import { getEmailSettings } from "../db/email-settings";
import { saveInstalledWebhook } from "../db/postmark-connections";
import { eventStatements, type Receipt, storeOutcome } from "../db/postmark-events";
import {
  currentCredential,
  ensureCredential,
  rotateCredential,
  type StoredCredential,
} from "../db/webhook-credentials";
import type { AppEnv } from "../http/app-env";
import { ApiError, postmarkApiError } from "../http/errors";
import { invalidJson } from "../http/json-body";
import { webhookCredentialCacheFor } from "../http/webhook-auth";
import { PostmarkRefused, PostmarkUnavailable, postmarkApi } from "../postmark/api/client";
import { installWebhook, uninstallWebhook, updateWebhookCredentials } from "../postmark/api/webhook-install";
import { classifyEvent } from "../postmark/classify";
import { auditCopy, parseWebhookBody } from "../postmark/payload";
import { utcNow } from "../postmark/timestamps";

const webhookUnauthorized = () =>
  new ApiError(
    401,
    "unauthorized",
    "Missing or invalid webhook credentials: use the callback URL with credentials from GET /v1/email/webhook.",
  );

/** Any storage failure on the webhook is a 503, so that Postmark delivers the event again later. */
const storageUnavailable = () =>
  new ApiError(503, "storage_unavailable", "The event could not be stored right now; Postmark will retry it.");

async function orUnavailable<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    console.error(`webhook storage failed: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
    throw storageUnavailable();
  }
}

/** The tenant's callback URL, without credentials. */
export function callbackUrl(c: Context<AppEnv>): string {
  const { publicUrl } = c.get("config");
  return `${publicUrl ?? new URL(c.req.url).origin}/webhooks/postmark/${encodeURIComponent(c.get("tenantId"))}`;
}

/** The current credentials, created on first sight, so every tenant has a callback URL without an extra step. */
async function currentOrNewCredential(c: Context<AppEnv>): Promise<StoredCredential> {
  const tenantId = c.get("tenantId");
  return (
    (await currentCredential(c.env.DB, tenantId)) ??
    (await ensureCredential(
      c.env.DB,
      tenantId,
      await newWebhookCredential(c.get("config").keyring, tenantId),
      new Date(),
    ))
  );
}

/** What the settings page shows: the callback URL, with and without the credentials in it. */
async function webhookView(c: Context<AppEnv>, credential: StoredCredential) {
  const { keyring } = c.get("config");
  const tenantId = c.get("tenantId");
  const url = callbackUrl(c);
  const password = await revealPassword(keyring, tenantId, credential);
  const withCredentials = new URL(url);
  withCredentials.username = credential.username;
  withCredentials.password = password;
  return { url, username: credential.username, password, urlWithCredentials: withCredentials.toString() };
}

const noSettings = () =>
  new ApiError(
    409,
    "not_configured",
    "Save the Postmark settings first (PUT /v1/email/settings): installing the webhook needs the Server API token.",
  );

/** The saved settings and Postmark's API for their token; null without settings. */
async function savedConnection(c: Context<AppEnv>) {
  const tenantId = c.get("tenantId");
  const settings = await getEmailSettings(c.env.DB, tenantId);
  if (!settings) return null;
  const token = await c.get("config").keyring.open(settings.apiKey, tenantId);
  return { settings, api: postmarkApi(c.env, token) };
}

async function connectedApi(c: Context<AppEnv>) {
  const connection = await savedConnection(c);
  if (!connection) throw noSettings();
  return connection;
}

/**
 * After a rotation, the webhook installed in Postmark gets the new credentials, so nothing is pasted again.
 * The rotation itself stands whatever Postmark does: the previous credentials keep working meanwhile.
 */
async function rotateInPostmark(c: Context<AppEnv>, view: { url: string; username: string; password: string }) {
  const connection = await savedConnection(c);
  if (!connection) return { updated: false, webhookId: null, reason: "no Postmark settings are saved" };
  const { settings, api } = connection;
  try {
    const webhookId = await updateWebhookCredentials(api, { ...view, stream: settings.messageStream });
    return webhookId === null
      ? {
          updated: false,
          webhookId: null,
          reason: `no webhook for this callback URL on stream "${settings.messageStream}" in Postmark`,
        }
      : { updated: true, webhookId };
  } catch (err) {
    if (!(err instanceof PostmarkRefused || err instanceof PostmarkUnavailable)) throw err;
    return { updated: false, webhookId: null, reason: postmarkApiError(err).message };
  }
}

export const postmarkWebhookRoutes = new Hono<AppEnv>()
  .get("/v1/email/webhook", async (c) => c.json(await webhookView(c, await currentOrNewCredential(c))))
  .post("/v1/email/webhook/rotate", async (c) => {
    const tenantId = c.get("tenantId");
    const fresh = await newWebhookCredential(c.get("config").keyring, tenantId);
    await rotateCredential(c.env.DB, tenantId, fresh, new Date());
    const view = await webhookView(c, fresh);
    return c.json({ ...view, postmark: await rotateInPostmark(c, view) });
  })
  .post("/v1/email/webhook/install", async (c) => {
    const tenantId = c.get("tenantId");
    const { settings, api } = await connectedApi(c);
    const view = await webhookView(c, await currentOrNewCredential(c));
    const stream = settings.messageStream;
    const { webhookId, created } = await installWebhook(api, { ...view, stream });
    await saveInstalledWebhook(c.env.DB, tenantId, { webhookId, stream, installedAt: new Date().toISOString() });
    return c.json({ installed: true, webhookId, stream, created });
  })
  .delete("/v1/email/webhook/install", async (c) => {
    const { settings, api } = await connectedApi(c);
    const stream = settings.messageStream;
    const removed = await uninstallWebhook(api, { url: callbackUrl(c), stream });
    await saveInstalledWebhook(c.env.DB, c.get("tenantId"), null);
    return c.json({ installed: false, stream, removedWebhookIds: removed });
  })
  .post("/webhooks/postmark/:tenantId", async (c) => {
    const tenantId = c.req.param("tenantId");
    const given = basicCredentials(c.req.header("Authorization"));
    const allowed = given
      ? await orUnavailable(webhookCredentialCacheFor(c.env.DB).verify(tenantId, given, new Date()))
      : false;
    // Unknown tenant and wrong password give the same answer.
    if (!allowed) {
      c.header("WWW-Authenticate", 'Basic realm="postmark-webhook", charset="UTF-8"');
      throw webhookUnauthorized();
    }

    const text = await c.req.text();
    const body = parseWebhookBody(text);
    if (body.kind === "invalid") throw invalidJson(body.why);
    const classified = classifyEvent(body.value);
    if (classified.action === "ignore") return c.json({ status: "ignored", reason: classified.why });

    const receipt: Receipt = { id: crypto.randomUUID(), receivedAt: utcNow(), payload: auditCopy(text, body.value) };
    // 200 only once the event is committed: anything else is a 5xx and Postmark retries. Committed
    // together with the events of concurrent requests, in one D1 batch (one round trip, one transaction).
    const statements = eventStatements(c.env.DB, tenantId, classified.event, receipt);
    const results = await orUnavailable(
      batchCommitterFor(c.env.DB).commit(statements, (p) => c.executionCtx.waitUntil(p)),
    );
    return c.json({ status: storeOutcome(results) });
  });
