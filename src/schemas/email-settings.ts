import * as v from "valibot";
import { emailAddress, hostname, messageStream, port, singleLineText } from "./common";

export const POSTMARK_DEFAULTS = {
  provider: "postmark",
  host: "smtp.postmarkapp.com",
  port: 587,
  messageStream: "outbound",
} as const;

/** The Postmark Server API token: printable, no spaces. Postmark's are UUIDs; any sane token is accepted. */
export const apiKey = v.pipe(
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
    fromName: v.optional(v.nullable(singleLineText(100)), null),
    messageStream: v.optional(messageStream, POSTMARK_DEFAULTS.messageStream),
    apiKey: v.optional(apiKey),
  },
  "must be an object with the settings fields (fromEmail, apiKey, ...)",
);
export type EmailSettingsInput = v.InferOutput<typeof EmailSettingsInput>;
