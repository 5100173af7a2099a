// The Postmark callback URL: the tenant's routes that show and rotate it, and the receiver Postmark posts to.
import * as v from "valibot";
import { LastEventView } from "./postmark-connection";
import { declareRoute } from "./route";
import { ImportResultView } from "./suppressions";

const CallbackUrl = v.strictObject({
  url: v.string(),
  username: v.string(),
  password: v.string(),
  urlWithCredentials: v.string(),
});

/** How long credentials rotated out keep working when the request does not say. */
const DEFAULT_OVERLAP_HOURS = 24;
const overlapMessage = "must be a whole number of hours from 0 to 24";

/** The optional body of POST /v1/email/webhook/rotate; left out, the defaults apply. */
const WebhookRotateInput = v.object({
  /** 0 revokes the previous credentials at once (leaked ones); up to 24 while Postmark's URL is being replaced. */
  overlapHours: v.optional(
    v.pipe(
      v.number(overlapMessage),
      v.integer(overlapMessage),
      v.minValue(0, overlapMessage),
      v.maxValue(DEFAULT_OVERLAP_HOURS, overlapMessage),
      v.description("How long the previous credentials keep working: 0 revokes them at once"),
    ),
    DEFAULT_OVERLAP_HOURS,
  ),
});

/** After a rotation: whether the webhook installed in Postmark got the new credentials (and if not, why). */
const RotatedInPostmark = v.union([
  v.strictObject({ updated: v.literal(true), webhookId: v.number() }),
  v.strictObject({ updated: v.literal(false), webhookId: v.null(), reason: v.string() }),
]);

const PostmarkFailures = {
  409: "`not_configured`: no Postmark settings are saved",
  502: "`postmark_error`: Postmark refused the request (its ErrorCode and Message are in `message`)",
  503: "`postmark_unavailable`: Postmark could not be reached (network, timeout, 5xx)",
} as const;

const tag = "Postmark webhook";

export const callbackUrlApi = {
  get: declareRoute({
    method: "get",
    path: "/v1/email/webhook",
    tag,
    summary: "The callback URL to paste into Postmark, with its HTTP Basic credentials (created on first call)",
    auth: "tenant",
    responses: {
      200: {
        description:
          "The callback URL and its credentials, and `lastEvent`: the newest event Postmark delivered to it (null before the first), the webhook's health at a glance",
        body: v.strictObject({ ...CallbackUrl.entries, lastEvent: LastEventView }),
      },
    },
  }),
  rotate: declareRoute({
    method: "post",
    path: "/v1/email/webhook/rotate",
    tag,
    summary:
      "New webhook credentials; the previous ones keep working for `overlapHours` (0..24, default 24; no body: 24); with 0 they stop at once (in other isolates within 60 s). The webhook installed in Postmark gets the new credentials",
    auth: "tenant",
    body: WebhookRotateInput,
    bodyOptional: true,
    responses: {
      200: {
        description:
          "The callback URL with the new credentials, and `postmark`: `updated` true with the webhook's id, or false with the reason (no webhook installed, Postmark not reachable: the rotation stands)",
        body: v.strictObject({ ...CallbackUrl.entries, postmark: RotatedInPostmark }),
      },
      400: "`validation_failed`: `overlapHours` is not a whole number from 0 to 24",
    },
  }),
  install: declareRoute({
    method: "post",
    path: "/v1/email/webhook/install",
    tag,
    summary:
      "Install the webhook in Postmark: exactly one webhook of the settings' stream posts to the callback URL (matched by its URL without credentials; copies are removed), with the current credentials as HttpAuth and Bounce, SpamComplaint and SubscriptionChange on (Open, Click and Delivery keep their values; off on a new one)",
    auth: "tenant",
    responses: {
      200: {
        description:
          "Installed: the webhook's id in Postmark, its stream, whether it was created (or updated), and the one import of Postmark's suppression list that installing runs (as POST /v1/suppressions/import answers), or why it failed (the webhook stays installed)",
        body: v.strictObject({
          installed: v.literal(true),
          webhookId: v.number(),
          stream: v.string(),
          created: v.boolean(),
          import: v.union([ImportResultView, v.strictObject({ failed: v.string() })]),
        }),
      },
      ...PostmarkFailures,
    },
  }),
  uninstall: declareRoute({
    method: "delete",
    path: "/v1/email/webhook/install",
    tag,
    summary: "Remove the webhook of the settings' stream that posts to the callback URL from Postmark",
    auth: "tenant",
    responses: {
      200: {
        description: "Removed: the ids of the webhooks removed (none when there was none)",
        body: v.strictObject({
          installed: v.literal(false),
          stream: v.string(),
          removedWebhookIds: v.array(v.number()),
        }),
      },
      ...PostmarkFailures,
    },
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
        description:
          "`queued`: on the event queue, visible within seconds (committed by the queue consumer); `stored` or `duplicate` (of an event stored before): committed directly, when the queue refused it; or `ignored` (with the reason)",
        body: v.union([
          v.strictObject({ status: v.picklist(["queued", "stored", "duplicate"]) }),
          v.strictObject({ status: v.literal("ignored"), reason: v.string() }),
        ]),
      },
      400: "`invalid_json`: the body is not a JSON object",
      413: "`payload_too_large`",
      415: "`unsupported_media_type`: the body is not sent as application/json",
      503: "`storage_unavailable`: neither queued nor stored, Postmark retries",
    },
  }),
};
