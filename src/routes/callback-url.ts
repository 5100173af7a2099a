// The tenant's side of the Postmark callback URL: the URL with its Basic credentials, and their rotation.
import { type Context, Hono } from "hono";
import { newWebhookCredential, revealPassword } from "../crypto/webhook-credentials";
import {
  currentCredential,
  ensureCredential,
  rotateCredential,
  type StoredCredential,
} from "../db/webhook-credentials";
import type { AppEnv } from "../http/app-env";
import { register } from "../http/route";
import { callbackUrlApi as api } from "../schemas/postmark-webhook";

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

export const callbackUrlRoutes = new Hono<AppEnv>();

register(callbackUrlRoutes, api.get, async (c) => {
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
});

register(callbackUrlRoutes, api.rotate, async (c) => {
  const tenantId = c.get("tenantId");
  const fresh = await newWebhookCredential(c.get("config").keyring, tenantId);
  await rotateCredential(c.env.DB, tenantId, fresh, new Date());
  return c.json(await webhookView(c, fresh));
});
