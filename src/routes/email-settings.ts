// "Integrate Email -> Postmark": the tenant's SMTP settings, with the API key sealed at rest. A new key (or a
// new stream for the saved one) is checked with Postmark's API before it is saved.
import { Hono } from "hono";
import {
  deleteEmailSettingsStatement,
  type EmailSettings,
  getEmailSettings,
  saveEmailSettingsStatement,
} from "../db/email-settings";
import {
  deletePostmarkConnectionStatement,
  getPostmarkConnection,
  NOT_CHECKED,
  type PostmarkVerification,
  saveVerificationStatement,
} from "../db/postmark-connections";
import { type LastTestSend, lastTestSend } from "../db/test-sends";
import type { AppEnv } from "../http/app-env";
import { ApiError, validationFailed } from "../http/errors";
import { register } from "../http/route";
import { verifyPostmarkSettings } from "../postmark/api/verify";
import { smtpDestinationProblems } from "../postmark/smtp-destination";
import { emailSettingsApi as api } from "../schemas/email-settings";

export const noSettings = () =>
  new ApiError(
    404,
    "not_configured",
    "Email is not set up yet: save the Postmark settings first (PUT /v1/email/settings).",
  );

/** What Postmark said of the saved token at the last check (`reason` only when it is not verified). */
export function postmarkView(v: PostmarkVerification | null | undefined) {
  if (!v) return { verified: false, serverName: null, serverId: null, checkedAt: null, reason: NOT_CHECKED };
  return {
    verified: v.verified,
    serverName: v.serverName,
    serverId: v.serverId,
    checkedAt: v.checkedAt,
    ...(v.verified ? {} : { reason: v.reason ?? NOT_CHECKED }),
  };
}

/**
 * The settings as the API shows them: never the key, only whether it is set and its last 4 characters;
 * `lastTest` is the outcome of the last "Send a test email" (null before the first); `postmark` is what
 * Postmark said of the token and stream when they were saved.
 */
function settingsView(s: EmailSettings, lastTest: LastTestSend | null, verification: PostmarkVerification | null) {
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
    postmark: postmarkView(verification),
  };
}

/** Whether `given` names the host and port the saved key was entered for (host names are case-insensitive). */
export const sameDestination = (given: { host: string; port: number }, saved: { host: string; port: number }) =>
  given.host.toLowerCase() === saved.host.toLowerCase() && given.port === saved.port;

/** The last test and the last Postmark check, read together. */
async function extras(db: D1Database, tenantId: string) {
  const [lastTest, connection] = await Promise.all([lastTestSend(db, tenantId), getPostmarkConnection(db, tenantId)]);
  return { lastTest, verification: connection?.verification ?? null };
}

export const emailSettingsRoutes = new Hono<AppEnv>();

register(emailSettingsRoutes, api.get, async (c) => {
  const tenantId = c.get("tenantId");
  const [settings, { lastTest, verification }] = await Promise.all([
    getEmailSettings(c.env.DB, tenantId),
    extras(c.env.DB, tenantId),
  ]);
  if (!settings) throw noSettings();
  return c.json(settingsView(settings, lastTest, verification));
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

  // A new token, or a new stream for the saved one, is checked with Postmark before anything is saved.
  const keyring = c.get("config").keyring;
  const tokenToCheck = apiKey
    ? apiKey
    : existing && existing.messageStream !== input.messageStream
      ? await keyring.open(existing.apiKey, tenantId)
      : null;
  const check = tokenToCheck ? await verifyPostmarkSettings(c.env, tokenToCheck, input.messageStream) : null;
  if (check?.kind === "refused") throw validationFailed(check.fields);

  const sealedKey = apiKey
    ? { apiKey: await keyring.seal(apiKey, tenantId), apiKeyLast4: apiKey.slice(-4) }
    : { apiKey: existing!.apiKey, apiKeyLast4: existing!.apiKeyLast4 };
  const settings: EmailSettings = { tenantId, ...input, ...sealedKey, updatedAt: new Date().toISOString() };
  // The settings and what Postmark said of them, together.
  await c.env.DB.batch([
    saveEmailSettingsStatement(c.env.DB, settings),
    ...(check ? [saveVerificationStatement(c.env.DB, tenantId, check.verification)] : []),
  ]);
  const { lastTest, verification } = await extras(c.env.DB, tenantId);
  return c.json(settingsView(settings, lastTest, verification));
});

register(emailSettingsRoutes, api.remove, async (c) => {
  const tenantId = c.get("tenantId");
  await c.env.DB.batch([
    deleteEmailSettingsStatement(c.env.DB, tenantId),
    deletePostmarkConnectionStatement(c.env.DB, tenantId),
  ]);
  return c.body(null, 204);
});
