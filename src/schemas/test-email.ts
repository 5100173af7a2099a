import * as v from "valibot";
import { emailAddress, singleLineText } from "./common";
import { EmailSettingsInput } from "./email-settings";

/** The body of POST /v1/email/test ("Send a test email"). */
export const TestEmailInput = v.object({
  to: emailAddress,
  toName: v.optional(v.nullable(singleLineText(100)), null),
  /** Settings to test without saving them; `apiKey` may be left out to use the saved key on the saved host. */
  settings: v.optional(EmailSettingsInput),
});
export type TestEmailInput = v.InferOutput<typeof TestEmailInput>;
