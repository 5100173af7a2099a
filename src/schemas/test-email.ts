import * as v from "valibot";
import { emailAddress, singleLineText } from "./common";
import { EmailSettingsInput } from "./email-settings";
import { declareRoute } from "./route";

/** The body of POST /v1/email/test ("Send a test email"). */
export const TestEmailInput = v.object({
  to: emailAddress,
  toName: v.optional(v.nullable(singleLineText(100)), null),
  /** Settings to test without saving them; `apiKey` may be left out to use the saved key on the saved host. */
  settings: v.optional(EmailSettingsInput),
});
export type TestEmailInput = v.InferOutput<typeof TestEmailInput>;

/** A test that did not get through: one code, a message and a hint, all meant for a person. */
const TestSendError = v.strictObject({ code: v.string(), message: v.string(), hint: v.string() });

const TestSendAnswer = v.union([
  v.strictObject({
    ok: v.literal(true),
    to: v.string(),
    from: v.string(),
    host: v.string(),
    port: v.number(),
    tls: v.literal(true),
    elapsedMs: v.number(),
    hint: v.string(),
  }),
  v.strictObject({ ok: v.literal(false), error: TestSendError }),
]);

export const testEmailApi = {
  send: declareRoute({
    method: "post",
    path: "/v1/email/test",
    tag: "Email settings",
    summary:
      "Send a test email over SMTP with STARTTLS, with the saved settings or with `settings` (not saved); answers within 20 s",
    auth: "tenant",
    body: TestEmailInput,
    responses: {
      200: {
        description:
          "Sent, or `{ok: false, error}` with code not_configured, recipient_suppressed, connection_failed, tls_failed, tls_unavailable, auth_failed, auth_unavailable, sender_rejected, recipient_rejected, message_rejected, timeout or smtp_error",
        body: TestSendAnswer,
      },
      400: "`validation_failed` with `fields` (an invalid address, a line break in a header value, `settings.host` / `settings.port` outside the host and port policy, `settings.apiKey` missing for another host or port)",
      429: "`rate_limited`: more than 10 test emails in a minute",
    },
  }),
};
