// The Postmark callback URL: its credentials (tenant token) and the webhook itself (HTTP Basic).
import { type Context, Hono } from "hono";
import { basicCredentials, newWebhookCredential, revealPassword } from "../crypto/webhook-credentials";
import { batchCommitterFor } from "../db/batch-commit";
import { eventStatements, type Receipt, storeOutcome } from "../db/postmark-events";
import {
  currentCredential,
  ensureCredential,
  rotateCredential,
  type StoredCredential,
} from "../db/webhook-credentials";
import type { AppEnv } from "../http/app-env";
import { ApiError } from "../http/errors";
import { invalidJson, readJsonBody, requireJsonContentType } from "../http/json-body";
import { webhookCredentialCacheFor } from "../http/webhook-auth";
import { classifyEvent } from "../postmark/classify";
import { auditCopy, parseWebhookBody } from "../postmark/payload";
import { utcNow } from "../postmark/timestamps";
import { DEFAULT_OVERLAP_HOURS, WebhookRotateInput } from "../schemas/webhook";

const HOUR_MS = 60 * 60 * 1000;

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

/** What the settings page shows: the callback URL, with and without the credentials in it. */
async function webhookView(c: Context<AppEnv>, credential: StoredCredential) {
  const { keyring, publicUrl } = c.get("config");
  const tenantId = c.get("tenantId");
  const url = `${publicUrl ?? new URL(c.req.url).origin}/webhooks/postmark/${encodeURIComponent(tenantId)}`;
  const password = await revealPassword(keyring, tenantId, credential);
  const withCredentials = new URL(url);
  withCredentials.username = credential.username;
  withCredentials.password = password;
  return { url, username: credential.username, password, urlWithCredentials: withCredentials.toString() };
}

export const postmarkWebhookRoutes = new Hono<AppEnv>()
  .get("/v1/email/webhook", async (c) => {
    const tenantId = c.get("tenantId");
    // Created on first sight, so every tenant has a callback URL without an extra step.
    const credential =
      (await currentCredential(c.env.DB, tenantId)) ??
      (await ensureCredential(
        c.env.DB,
        tenantId,
        await newWebhookCredential(c.get("config").keyring, tenantId),
        new Date(),
      ));
    return c.json(await webhookView(c, credential));
  })
  .post("/v1/email/webhook/rotate", async (c) => {
    // The body is optional: none keeps the previous credentials working for the default overlap.
    const { overlapHours } =
      (await c.req.text()).trim() === ""
        ? { overlapHours: DEFAULT_OVERLAP_HOURS }
        : await readJsonBody(c, WebhookRotateInput);
    const tenantId = c.get("tenantId");
    const fresh = await newWebhookCredential(c.get("config").keyring, tenantId);
    await rotateCredential(c.env.DB, tenantId, fresh, new Date(), overlapHours * HOUR_MS);
    // This isolate forgets its copy at once, so revoked credentials stop here now (others within a minute).
    webhookCredentialCacheFor(c.env.DB).forget(tenantId);
    return c.json(await webhookView(c, fresh));
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

    requireJsonContentType(c);
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
