// "Integrate Email -> Postmark": the settings routes.
import * as v from "valibot";
import { DEFAULT_STREAM } from "../model/suppression";
import { emailAddress, hostname, messageStream, port, singleLineText } from "./common";
import { declareRoute } from "./route";

const POSTMARK_DEFAULTS = {
  provider: "postmark",
  host: "smtp.postmarkapp.com",
  port: 587,
  messageStream: DEFAULT_STREAM,
} as const;

/** The Postmark Server API token: printable, no spaces. Postmark's are UUIDs; any sane token is accepted. */
const apiKey = v.pipe(
  v.string("must be a string"),
  v.trim(),
  v.regex(
    /^[\x21-\x7e]{8,200}$/,
    "must be the Server API token from Postmark (Servers -> your server -> API Tokens), 8 to 200 characters without spaces",
  ),
);

/** The body of PUT /v1/email/settings ("Integrate Email -> Postmark"). */
export const EmailSettingsInput = v.object(
  {
    provider: v.optional(
      v.literal("postmark", 'must be "postmark", the only provider supported'),
      POSTMARK_DEFAULTS.provider,
    ),
    host: v.optional(hostname, POSTMARK_DEFAULTS.host),
    port: v.optional(port, POSTMARK_DEFAULTS.port),
    fromEmail: emailAddress,
    // An empty name is no name.
    fromName: v.optional(
      v.nullable(
        v.pipe(
          singleLineText(100),
          v.transform((name) => name || null),
        ),
      ),
      null,
    ),
    messageStream: v.optional(messageStream, POSTMARK_DEFAULTS.messageStream),
    apiKey: v.optional(apiKey),
  },
  "must be an object with the settings fields (fromEmail, apiKey, ...)",
);
export type EmailSettingsInput = v.InferOutput<typeof EmailSettingsInput>;

/** The settings as the API shows them: the key only as whether it is set and its last 4 characters. */
const EmailSettingsView = v.strictObject({
  provider: v.literal("postmark"),
  host: v.string(),
  port: v.number(),
  fromEmail: v.string(),
  fromName: v.nullable(v.string()),
  messageStream: v.string(),
  apiKey: v.strictObject({ set: v.literal(true), last4: v.string() }),
  updatedAt: v.string(),
  /** The last test email's outcome, null before the first. */
  lastTest: v.nullable(
    v.strictObject({ ok: v.boolean(), code: v.nullable(v.string()), to: v.string(), at: v.string() }),
  ),
});

const tag = "Email settings";

export const emailSettingsApi = {
  get: declareRoute({
    method: "get",
    path: "/v1/email/settings",
    tag,
    summary:
      "The Postmark settings (the API key only as `{set, last4}`) and `lastTest`: the last test email's `{ok, code, to, at}` or null",
    auth: "tenant",
    responses: {
      200: { description: "The settings", body: EmailSettingsView },
      404: "`not_configured` before the first save",
    },
  }),
  save: declareRoute({
    method: "put",
    path: "/v1/email/settings",
    tag,
    summary: "Save the Postmark settings; omit `apiKey` to keep the stored one",
    auth: "tenant",
    body: EmailSettingsInput,
    responses: {
      200: { description: "The saved settings", body: EmailSettingsView },
      400: "`validation_failed` with `fields`",
    },
  }),
  remove: declareRoute({
    method: "delete",
    path: "/v1/email/settings",
    tag,
    summary: "Remove the Postmark settings and the stored key",
    auth: "tenant",
    responses: { 204: "Removed" },
  }),
};
