// "Integrate Email -> Postmark": the tenant's SMTP settings, with the API key sealed at rest.
import { Hono } from "hono";
import { deleteEmailSettings, type EmailSettings, getEmailSettings, saveEmailSettings } from "../db/email-settings";
import { type LastTestSend, lastTestSend } from "../db/test-sends";
import type { AppEnv } from "../http/app-env";
import { ApiError, validationFailed } from "../http/errors";
import { register } from "../http/route";
import { smtpDestinationProblems } from "../postmark/smtp-destination";
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

/** Whether `given` names the host and port the saved key was entered for (host names are case-insensitive). */
export const sameDestination = (given: { host: string; port: number }, saved: { host: string; port: number }) =>
  given.host.toLowerCase() === saved.host.toLowerCase() && given.port === saved.port;

export const emailSettingsRoutes = new Hono<AppEnv>();

register(emailSettingsRoutes, api.get, async (c) => {
  const settings = await getEmailSettings(c.env.DB, c.get("tenantId"));
  if (!settings) throw noSettings();
  return c.json(settingsView(settings, await lastTestSend(c.env.DB, settings.tenantId)));
});

register(emailSettingsRoutes, api.save, async (c) => {
  const { apiKey, ...input } = c.req.valid("json");
  const refused = smtpDestinationProblems(input.host, input.port, c.get("config").allowPrivateSmtpHosts);
  if (Object.keys(refused).length > 0) throw validationFailed(refused);
  const tenantId = c.get("tenantId");
  const existing = await getEmailSettings(c.env.DB, tenantId);
  if (!apiKey && !existing) throw validationFailed({ apiKey: "is required on the first save" });
  // The write-only key may only ever be sent where it was entered for: moving it needs it entered again.
  if (!apiKey && existing && !sameDestination(input, existing)) {
    throw validationFailed({ apiKey: "must be entered again to use a new host or port" });
  }

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
