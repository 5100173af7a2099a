// "Send a test email": one message from the Worker over SMTP with STARTTLS, with the saved settings or with
// settings sent along (not saved). Every attempt is audited; 10 a minute per tenant.
import { type Context, Hono } from "hono";
import { getEmailSettings } from "../db/email-settings";
import { findSuppression } from "../db/suppressions";
import { finishTestSend, SENT, startTestSend, TEST_SENDS_PER_MINUTE } from "../db/test-sends";
import type { AppEnv } from "../http/app-env";
import { ApiError, rateLimited, validationFailed } from "../http/errors";
import { register } from "../http/route";
import { smtpDestinationProblems } from "../postmark/smtp-destination";
import { ehloArgument, SMTP_DEADLINE_MS, sendOverSmtp } from "../postmark/smtp-test-send";
import { composeTestEmail, type SendSettings } from "../postmark/test-message";
import {
  explainFailure,
  notConfigured,
  recipientSuppressed,
  SENT_HINT,
  savedDestinationRefused,
  type TestSendError,
} from "../postmark/test-send-outcome";
import { testEmailApi as api, type TestEmailInput } from "../schemas/test-email";
import { sameDestination } from "./email-settings";

const testSendsExceeded = () =>
  rateLimited("rate_limited", `At most ${TEST_SENDS_PER_MINUTE} test emails a minute can be sent.`, 60);

/**
 * The SMTP deadline: SMTP_DEADLINE_MS, or lower when the test-only binding TEST_SMTP_DEADLINE_MS asks for it
 * (so the suite need not wait 15 s per stalled server). It can never raise the bound.
 */
function smtpDeadlineMs(env: Env): number {
  const requested = Number((env as Env & { TEST_SMTP_DEADLINE_MS?: string }).TEST_SMTP_DEADLINE_MS);
  return Number.isFinite(requested) && requested > 0 ? Math.min(requested, SMTP_DEADLINE_MS) : SMTP_DEADLINE_MS;
}

const sendSettings = (s: Omit<SendSettings, "apiKey">, apiKey: string): SendSettings => ({
  host: s.host,
  port: s.port,
  fromEmail: s.fromEmail,
  fromName: s.fromName,
  messageStream: s.messageStream,
  apiKey,
});

/** The request's settings, else the saved ones; the saved key is reused only on the saved host and port. */
async function resolveSettings(c: Context<AppEnv>, input: TestEmailInput): Promise<SendSettings | TestSendError> {
  const given = input.settings;
  const { allowPrivateSmtpHosts } = c.get("config");
  if (given) {
    const refused = smtpDestinationProblems(given.host, given.port, allowPrivateSmtpHosts);
    const fields = Object.entries(refused).map(([field, problem]) => [`settings.${field}`, problem]);
    if (fields.length > 0) throw validationFailed(Object.fromEntries(fields));
  }
  if (given?.apiKey) return sendSettings(given, given.apiKey);

  const tenantId = c.get("tenantId");
  const saved = await getEmailSettings(c.env.DB, tenantId);
  if (!saved) return notConfigured();
  if (!given && Object.keys(smtpDestinationProblems(saved.host, saved.port, allowPrivateSmtpHosts)).length > 0) {
    // Saved before the host and port policy existed: the policy holds for them too.
    return savedDestinationRefused(saved.host, saved.port);
  }
  if (given && !sameDestination(given, saved)) {
    // Otherwise anyone with a tenant token could have the write-only key sent to a server of their choosing.
    throw validationFailed({ "settings.apiKey": "is required to test a host or port other than the saved one" });
  }
  try {
    return sendSettings(given ?? saved, await c.get("config").keyring.open(saved.apiKey, tenantId));
  } catch {
    return notConfigured("The saved API key can no longer be decrypted (the encryption key changed)");
  }
}

export const testEmailRoutes = new Hono<AppEnv>();

register(testEmailRoutes, api.send, async (c) => {
  const input = c.req.valid("json");
  const settings = await resolveSettings(c, input);
  const tenantId = c.get("tenantId");
  const db = c.env.DB;

  const attemptId = await startTestSend(db, tenantId, input.to);
  if (!attemptId) throw testSendsExceeded();

  const fail = async (error: TestSendError, elapsedMs: number | null = null) => {
    const where = "apiKey" in settings ? { host: settings.host, port: settings.port } : { host: null, port: null };
    await finishTestSend(db, tenantId, attemptId, { outcome: error.code, ...where, elapsedMs });
    return c.json({ ok: false, error });
  };
  if (!("apiKey" in settings)) return fail(settings);

  const suppression = await findSuppression(db, tenantId, settings.messageStream, input.to);
  if (suppression) return fail(recipientSuppressed(input.to, settings.messageStream, suppression.reason));

  const message = composeTestEmail({ ...settings, to: input.to, toName: input.toName, sentAt: new Date() });
  // The Worker introduces itself by the host it is reached at, as callback URLs name it.
  const clientName = ehloArgument(new URL(c.get("config").publicUrl ?? c.req.url).hostname);
  const result = await sendOverSmtp(settings, message, {
    deadlineMs: smtpDeadlineMs(c.env),
    clientName,
    waitUntil: (goodbye) => c.executionCtx.waitUntil(goodbye),
  });
  if (!result.ok) {
    const { host, port, fromEmail, messageStream } = settings;
    return fail(
      explainFailure(result.failure, { host, port, fromEmail, messageStream, to: input.to }),
      result.elapsedMs,
    );
  }

  await finishTestSend(db, tenantId, attemptId, {
    outcome: SENT,
    host: settings.host,
    port: settings.port,
    elapsedMs: result.elapsedMs,
  });
  return c.json({
    ok: true,
    to: input.to,
    from: settings.fromEmail,
    host: settings.host,
    port: settings.port,
    tls: true,
    elapsedMs: result.elapsedMs,
    hint: SENT_HINT,
  });
});
