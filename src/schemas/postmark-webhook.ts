// The Postmark callback URL: the tenant's routes that show and rotate it, and the receiver Postmark posts to.
import * as v from "valibot";
import { declareRoute } from "./route";

const CallbackUrl = v.strictObject({
  url: v.string(),
  username: v.string(),
  password: v.string(),
  urlWithCredentials: v.string(),
});

const tag = "Postmark webhook";

export const callbackUrlApi = {
  get: declareRoute({
    method: "get",
    path: "/v1/email/webhook",
    tag,
    summary: "The callback URL to paste into Postmark, with its HTTP Basic credentials (created on first call)",
    auth: "tenant",
    responses: { 200: { description: "The callback URL and its credentials", body: CallbackUrl } },
  }),
  rotate: declareRoute({
    method: "post",
    path: "/v1/email/webhook/rotate",
    tag,
    summary: "New webhook credentials; the previous ones keep working for 24 hours",
    auth: "tenant",
    responses: { 200: { description: "The callback URL with the new credentials", body: CallbackUrl } },
  }),
};

export const webhookReceiverApi = {
  receive: declareRoute({
    method: "post",
    path: "/webhooks/postmark/{tenantId}",
    tag,
    summary:
      "Postmark posts one event here (bounce, spam complaint, subscription change; others are acknowledged and ignored)",
    auth: "webhook",
    // The body is read by postmark/payload.ts, which keeps 64-bit bounce IDs exact: documented, not validated here.
    responses: {
      200: {
        description: "Committed (stored, or a duplicate of an event stored before), or ignored (with the reason)",
        body: v.union([
          v.strictObject({ status: v.picklist(["stored", "duplicate"]) }),
          v.strictObject({ status: v.literal("ignored"), reason: v.string() }),
        ]),
      },
      400: "`invalid_json`: the body is not a JSON object",
      413: "`payload_too_large`",
      503: "`storage_unavailable`: not stored, Postmark retries",
    },
  }),
};
