// GET /v1/email/postmark: the tenant's Postmark server as Postmark sees it now (server, outbound streams,
// the webhook for the callback URL) beside what is known here (last check, last event, sync state).
import { Hono } from "hono";
import { getEmailSettings } from "../db/email-settings";
import {
  getPostmarkConnection,
  lastReceivedEvent,
  type PostmarkConnection,
  type PostmarkVerification,
  saveVerification,
} from "../db/postmark-connections";
import type { AppEnv } from "../http/app-env";
import { postmarkApiError } from "../http/errors";
import { register } from "../http/route";
import { PostmarkRefused, PostmarkUnavailable, postmarkApi } from "../postmark/api/client";
import { findInstalledWebhook, triggerView } from "../postmark/api/webhook-install";
import { postmarkConnectionApi as api } from "../schemas/postmark-connection";
import { syncState } from "../sync/state";
import { callbackUrl } from "./callback-url";
import { noSettings, postmarkView } from "./email-settings";

/** What is known here of the installed webhook when Postmark cannot be asked (installed null: unknown). */
const knownWebhook = (connection: PostmarkConnection | null, stream: string, url: string) =>
  connection?.webhook?.stream === stream
    ? { installed: true, webhookId: connection.webhook.webhookId, stream, url }
    : { installed: null, webhookId: null, stream, url };

export const postmarkConnectionRoutes = new Hono<AppEnv>();

register(postmarkConnectionRoutes, api.get, async (c) => {
  const tenantId = c.get("tenantId");
  const [settings, connection, lastEvent, sync] = await Promise.all([
    getEmailSettings(c.env.DB, tenantId),
    getPostmarkConnection(c.env.DB, tenantId),
    lastReceivedEvent(c.env.DB, tenantId),
    syncState(c.env.DB, tenantId),
  ]);
  if (!settings) throw noSettings();
  const stream = settings.messageStream;
  const url = callbackUrl(c);
  const known = { messageStream: stream, lastEvent, sync };

  const api = postmarkApi(c.env, await c.get("config").keyring.open(settings.apiKey, tenantId));
  const now = new Date().toISOString();
  try {
    const [server, streams, webhook] = await Promise.all([
      api.getServer(),
      api.listStreams(),
      findInstalledWebhook(api, { url, stream }),
    ]);
    const verification: PostmarkVerification = {
      verified: true,
      serverId: server.ID,
      serverName: server.Name,
      reason: null,
      checkedAt: now,
    };
    await saveVerification(c.env.DB, tenantId, verification);
    return c.json({
      reachable: true,
      verification: postmarkView(verification),
      server: { id: server.ID, name: server.Name },
      streams: streams
        .filter((s) => s.MessageStreamType !== "Inbound" && !s.ArchivedAt)
        .map((s) => ({ id: s.ID, name: s.Name, type: s.MessageStreamType })),
      webhook: webhook
        ? { installed: true, webhookId: webhook.ID, stream, url, triggers: triggerView(webhook.Triggers) }
        : { installed: false, webhookId: null, stream, url },
      ...known,
    });
  } catch (err) {
    if (!(err instanceof PostmarkRefused || err instanceof PostmarkUnavailable)) throw err;
    let verification = connection?.verification ?? null;
    if (err instanceof PostmarkRefused && err.status === 401) {
      // Postmark no longer accepts the saved token (revoked, or the server was deleted).
      verification = {
        verified: false,
        serverId: null,
        serverName: null,
        reason: `Postmark refuses the saved token now (ErrorCode ${err.errorCode}: ${err.message}): save a current Server API token`,
        checkedAt: now,
      };
      await saveVerification(c.env.DB, tenantId, verification);
    }
    return c.json({
      reachable: err instanceof PostmarkRefused,
      reason: postmarkApiError(err).message,
      verification: postmarkView(verification),
      server: verification?.serverId != null ? { id: verification.serverId, name: verification.serverName } : null,
      streams: null,
      webhook: knownWebhook(connection, stream, url),
      ...known,
    });
  }
});
