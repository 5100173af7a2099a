// "Integrate Email -> Postmark": the tenant's SMTP settings, with the API key sealed at rest.
import { Hono } from "hono";
import { deleteEmailSettings, type EmailSettings, getEmailSettings, saveEmailSettings } from "../db/email-settings";
import { type LastTestSend, lastTestSend } from "../db/test-sends";
import type { AppEnv } from "../http/app-env";
import { ApiError, validationFailed } from "../http/errors";
import { register } from "../http/route";
import { emailSettingsApi as api } from "../schemas/email-settings";

const noSettings = () =>
  new ApiError(
    404,
    "not_configured",
    "Email is not set up yet: save the Postmark settings first (PUT /v1/email/settings).",
  );

/**
 * The settings as the API shows them: never the key, only whether it is set and its last 4 characters;
 * `lastTest` is the outcome of the last "Send a test email" (null before the first).
 */
function settingsView(s: EmailSettings, lastTest: LastTestSend | null) {
  return {
    provider: s.provider,
    host: s.host,
    port: s.port,
    fromEmail: s.fromEmail,
    fromName: s.fromName,
    messageStream: s.messageStream,
    apiKey: { set: true, last4: s.apiKeyLast4 },
    updatedAt: s.updatedAt,
    lastTest,
  };
}

export const emailSettingsRoutes = new Hono<AppEnv>();

register(emailSettingsRoutes, api.get, async (c) => {
  const settings = await getEmailSettings(c.env.DB, c.get("tenantId"));
  if (!settings) throw noSettings();
  return c.json(settingsView(settings, await lastTestSend(c.env.DB, settings.tenantId)));
});

register(emailSettingsRoutes, api.save, async (c) => {
  const { apiKey, ...input } = c.req.valid("json");
  const tenantId = c.get("tenantId");
  const existing = await getEmailSettings(c.env.DB, tenantId);
  if (!apiKey && !existing) throw validationFailed({ apiKey: "is required on the first save" });

  const sealedKey = apiKey
    ? { apiKey: await c.get("config").keyring.seal(apiKey, tenantId), apiKeyLast4: apiKey.slice(-4) }
    : { apiKey: existing!.apiKey, apiKeyLast4: existing!.apiKeyLast4 };
  const settings: EmailSettings = { tenantId, ...input, ...sealedKey, updatedAt: new Date().toISOString() };
  await saveEmailSettings(c.env.DB, settings);
  return c.json(settingsView(settings, await lastTestSend(c.env.DB, tenantId)));
});

register(emailSettingsRoutes, api.remove, async (c) => {
  await deleteEmailSettings(c.env.DB, c.get("tenantId"));
  return c.body(null, 204);
});
