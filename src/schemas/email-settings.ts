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
    host: v.optional(
      v.pipe(
        hostname,
        v.description(
          "A public DNS name (not localhost, *.local, *.internal or a single label) or a public IP address as four decimal numbers, unless SMTP_ALLOW_PRIVATE_HOSTS=true",
        ),
      ),
      POSTMARK_DEFAULTS.host,
    ),
    port: v.optional(
      v.pipe(
        port,
        v.description("One of Postmark's SMTP ports: 25, 587, 2525 (any, with SMTP_ALLOW_PRIVATE_HOSTS=true)"),
      ),
      POSTMARK_DEFAULTS.port,
    ),
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

/**
 * What Postmark said of the saved token at the last check: the server it opens, or (verified false) why not;
 * checkedAt null when it was never checked (settings saved before the check existed).
 */
export const PostmarkVerificationView = v.strictObject({
  verified: v.boolean(),
  serverName: v.nullable(v.string()),
  serverId: v.nullable(v.number()),
  checkedAt: v.nullable(v.string()),
  reason: v.optional(v.string()),
});

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
  postmark: PostmarkVerificationView,
});

const tag = "Email settings";

export const emailSettingsApi = {
  get: declareRoute({
    method: "get",
    path: "/v1/email/settings",
    tag,
    summary:
      "The Postmark settings (the API key only as `{set, last4}`), `lastTest`: the last test email's `{ok, code, to, at}` or null, and `postmark`: what Postmark said of the token `{verified, serverName, serverId, checkedAt, reason?}`",
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
    summary:
      "Save the Postmark settings; omit `apiKey` to keep the stored one (only while host and port stay: a new host or port needs the key again). A new `apiKey` (or a new `messageStream` for the stored one) is checked with Postmark first (GET /server and GET /message-streams/{id}, at once). Test emails go only to public hosts on Postmark's SMTP ports",
    auth: "tenant",
    body: EmailSettingsInput,
    responses: {
      200: {
        description:
          "The saved settings; `postmark` says what Postmark said (`verified: false` with `reason` when Postmark could not be reached: saved anyway)",
        body: EmailSettingsView,
      },
      400: "`validation_failed` with `fields`: `host` / `port` outside the host and port policy, `apiKey` missing for a new host or port, `apiKey` when Postmark refuses the token (and says when it is an Account token), `messageStream` when the stream is not on that server, is Inbound or archived; nothing is saved",
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
