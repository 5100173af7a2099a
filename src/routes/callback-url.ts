// The tenant's side of the Postmark callback URL: the URL with its Basic credentials, their rotation, and the
// webhook in Postmark that posts to it (installed, kept in step with a rotation, removed).
import { type Context, Hono } from "hono";
import { newWebhookCredential, revealPassword } from "../crypto/webhook-credentials";
import { getEmailSettings } from "../db/email-settings";
import { saveInstalledWebhook } from "../db/postmark-connections";
import { RATE_LIMITS, takeQuota } from "../db/rate-limits";
import {
  currentCredential,
  ensureCredential,
  rotateCredential,
  type StoredCredential,
} from "../db/webhook-credentials";
import type { AppEnv } from "../http/app-env";
import { ApiError, postmarkApiError } from "../http/errors";
import { register } from "../http/route";
import { forgetCachedWebhookCredentials } from "../http/webhook-auth";
import { PostmarkRefused, PostmarkUnavailable, postmarkApi } from "../postmark/api/client";
import { installWebhook, uninstallWebhook, updateWebhookCredentials } from "../postmark/api/webhook-install";
import { callbackUrlApi as api } from "../schemas/postmark-webhook";
import { ImportTooLarge, importSuppressions } from "../sync/import";

/** The tenant's callback URL, without credentials. */
export function callbackUrl(c: Context<AppEnv>): string {
  const { publicUrl } = c.get("config");
  return `${publicUrl ?? new URL(c.req.url).origin}/webhooks/postmark/${encodeURIComponent(c.get("tenantId"))}`;
}

const HOUR_MS = 60 * 60 * 1000;

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
  const tenantId = c.get("tenantId");
  const url = callbackUrl(c);
  const password = await revealPassword(c.get("config").keyring, tenantId, credential);
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

/** The saved settings and Postmark's API for their token (the tenant's own); null without settings. */
async function savedConnection(c: Context<AppEnv>) {
  const tenantId = c.get("tenantId");
  const settings = await getEmailSettings(c.env.DB, tenantId);
  if (!settings) return null;
  const token = await c.get("config").keyring.open(settings.apiKey, tenantId);
  return { settings, token, api: postmarkApi(c.env, token) };
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
  if (!connection) return { updated: false as const, webhookId: null, reason: "no Postmark settings are saved" };
  const { settings, api } = connection;
  try {
    const webhookId = await updateWebhookCredentials(api, { ...view, stream: settings.messageStream });
    if (webhookId === null) {
      const reason = `no webhook for this callback URL on stream "${settings.messageStream}" in Postmark`;
      return { updated: false as const, webhookId: null, reason };
    }
    return { updated: true as const, webhookId };
  } catch (err) {
    if (!(err instanceof PostmarkRefused || err instanceof PostmarkUnavailable)) throw err;
    return { updated: false as const, webhookId: null, reason: postmarkApiError(err).message };
  }
}

export const callbackUrlRoutes = new Hono<AppEnv>();

register(callbackUrlRoutes, api.get, async (c) => c.json(await webhookView(c, await currentOrNewCredential(c))));

register(callbackUrlRoutes, api.rotate, async (c) => {
  const { overlapHours } = c.req.valid("json"); // no body: the default overlap
  const tenantId = c.get("tenantId");
  const fresh = await newWebhookCredential(c.get("config").keyring, tenantId);
  await rotateCredential(c.env.DB, tenantId, fresh, new Date(), overlapHours * HOUR_MS);
  // This isolate forgets its copy at once, so revoked credentials stop here now (in other isolates within a minute).
  forgetCachedWebhookCredentials(c.env.DB, tenantId);
  const view = await webhookView(c, fresh);
  return c.json({ ...view, postmark: await rotateInPostmark(c, view) });
});

/** The import that follows an install: its result, or why it did not run or failed (the install stands). */
async function importOnInstall(c: Context<AppEnv>, token: string, stream: string) {
  const tenantId = c.get("tenantId");
  const retryAfter = await takeQuota(c.env.DB, tenantId, "imports");
  if (retryAfter !== null) {
    const { limit } = RATE_LIMITS.imports;
    return {
      failed: `Not imported: at most ${limit} imports from Postmark an hour can be made; import in ${retryAfter} s (POST /v1/suppressions/import).`,
    };
  }
  return importSuppressions(c.env, tenantId, token, stream, c.req.raw.signal).then(
    (result) => result,
    (err: unknown) => {
      if (err instanceof ImportTooLarge) return { failed: err.message };
      if (!(err instanceof PostmarkRefused || err instanceof PostmarkUnavailable)) throw err;
      return { failed: postmarkApiError(err).message };
    },
  );
}

register(callbackUrlRoutes, api.install, async (c) => {
  const tenantId = c.get("tenantId");
  const { settings, token, api: postmark } = await connectedApi(c);
  const view = await webhookView(c, await currentOrNewCredential(c));
  const stream = settings.messageStream;
  const { webhookId, created } = await installWebhook(postmark, { ...view, stream });
  await saveInstalledWebhook(c.env.DB, tenantId, { webhookId, stream, installedAt: new Date().toISOString() });
  // From now on the webhook brings every change; what Postmark suppressed before comes in by one import. The
  // webhook stays installed if the import fails: the answer says why, and POST /v1/suppressions/import retries.
  const imported = await importOnInstall(c, token, stream);
  return c.json({ installed: true, webhookId, stream, created, import: imported });
});

register(callbackUrlRoutes, api.uninstall, async (c) => {
  const { settings, api: postmark } = await connectedApi(c);
  const stream = settings.messageStream;
  const removed = await uninstallWebhook(postmark, { url: callbackUrl(c), stream });
  await saveInstalledWebhook(c.env.DB, c.get("tenantId"), null);
  return c.json({ installed: false, stream, removedWebhookIds: removed });
});
