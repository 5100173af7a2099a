// Notifications to the platform: the endpoint and its signing secret, recent deliveries, a test event.
import { Hono } from "hono";
import { newSigningSecret, sealSigningSecret } from "../crypto/webhook-signature";
import {
  deleteEndpoint,
  enqueueTestNotification,
  getEndpoint,
  getNotification,
  type Notification,
  type NotificationEndpoint,
  recentNotifications,
  saveEndpoint,
  TEST_NOTIFICATIONS_PER_MINUTE,
} from "../db/notifications";
import type { AppEnv } from "../http/app-env";
import { ApiError, validationFailed } from "../http/errors";
import { register } from "../http/route";
import { deliverNow } from "../notifications/deliver";
import { endpointUrlProblem } from "../notifications/endpoint-url";
import { notificationsApi as api } from "../schemas/notifications";

export const notificationRoutes = new Hono<AppEnv>();

const noEndpoint = () =>
  new ApiError(
    404,
    "not_configured",
    "No notification endpoint is set: set one first (PUT /v1/notifications/endpoint).",
  );

const endpointView = (e: Pick<NotificationEndpoint, "url" | "createdAt" | "updatedAt">) => ({
  url: e.url,
  createdAt: e.createdAt,
  updatedAt: e.updatedAt,
});

const deliveryView = (n: Notification) => ({
  id: n.id,
  type: n.type,
  state: n.state,
  attempts: n.attempts,
  createdAt: n.createdAt,
  lastAttemptAt: n.lastAttemptAt,
  nextAttemptAt: n.state === "pending" ? n.nextAttemptAt : null,
  lastStatus: n.lastStatus,
  lastError: n.lastError,
});

register(notificationRoutes, api.get, async (c) => {
  const tenantId = c.get("tenantId");
  const [endpoint, deliveries] = await Promise.all([
    getEndpoint(c.env.DB, tenantId),
    recentNotifications(c.env.DB, tenantId, 20),
  ]);
  return c.json({ endpoint: endpoint ? endpointView(endpoint) : null, deliveries: deliveries.map(deliveryView) });
});

register(notificationRoutes, api.putEndpoint, async (c) => {
  const tenantId = c.get("tenantId");
  const { url } = c.req.valid("json");
  const config = c.get("config");
  const problem = endpointUrlProblem(url, config.allowPrivateSmtpHosts);
  if (problem) throw validationFailed({ url: problem });
  const existing = await getEndpoint(c.env.DB, tenantId);
  const secret = existing ? null : newSigningSecret();
  const at = new Date().toISOString();
  await saveEndpoint(
    c.env.DB,
    tenantId,
    url,
    secret ? await sealSigningSecret(config.keyring, tenantId, secret) : null,
    at,
  );
  const view = endpointView({ url, createdAt: existing?.createdAt ?? at, updatedAt: at });
  return c.json(secret ? { ...view, secret } : view);
});

register(notificationRoutes, api.rotate, async (c) => {
  const tenantId = c.get("tenantId");
  const existing = await getEndpoint(c.env.DB, tenantId);
  if (!existing) throw noEndpoint();
  const secret = newSigningSecret();
  const at = new Date().toISOString();
  await saveEndpoint(
    c.env.DB,
    tenantId,
    existing.url,
    await sealSigningSecret(c.get("config").keyring, tenantId, secret),
    at,
  );
  return c.json({ ...endpointView({ ...existing, updatedAt: at }), secret });
});

register(notificationRoutes, api.deleteEndpoint, async (c) => {
  if (!(await deleteEndpoint(c.env.DB, c.get("tenantId")))) throw noEndpoint();
  return c.body(null, 204);
});

register(notificationRoutes, api.test, async (c) => {
  const tenantId = c.get("tenantId");
  if (!(await getEndpoint(c.env.DB, tenantId))) throw noEndpoint();
  const id = `msg_test_${crypto.randomUUID()}`;
  const data = { message: "A test notification from the Postmark edge." };
  if (!(await enqueueTestNotification(c.env.DB, { id, tenantId, data, at: new Date() }))) {
    throw new ApiError(
      429,
      "rate_limited",
      `At most ${TEST_NOTIFICATIONS_PER_MINUTE} test notifications a minute can be sent: wait a minute and try again.`,
    );
  }
  await deliverNow(c.env, tenantId, id);
  const delivery = await getNotification(c.env.DB, tenantId, id);
  return c.json(deliveryView(delivery!));
});
