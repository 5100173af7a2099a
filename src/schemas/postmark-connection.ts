// GET /v1/email/postmark: the tenant's Postmark server as Postmark sees it, beside what is known here.
import * as v from "valibot";
import { PostmarkVerificationView } from "./email-settings";
import { declareRoute } from "./route";

const Triggers = v.strictObject({
  bounce: v.boolean(),
  spamComplaint: v.boolean(),
  subscriptionChange: v.boolean(),
  open: v.boolean(),
  click: v.boolean(),
  delivery: v.boolean(),
});

/** The newest event stored from Postmark's webhook, or null before the first. */
export const LastEventView = v.nullable(
  v.strictObject({
    kind: v.string(),
    type: v.string(),
    stream: v.string(),
    email: v.nullable(v.string()),
    occurredAt: v.string(),
    receivedAt: v.string(),
  }),
);

const PostmarkConnectionView = v.strictObject({
  /** Whether Postmark answered (a refusal is an answer). */
  reachable: v.boolean(),
  /** Why Postmark could not be asked, or what it refused. */
  reason: v.optional(v.string()),
  verification: PostmarkVerificationView,
  /** The server the token opens: from Postmark now, or the last one verified. */
  server: v.nullable(v.strictObject({ id: v.number(), name: v.nullable(v.string()) })),
  /** Its outbound streams (not Inbound, not archived); null when Postmark could not be asked. */
  streams: v.nullable(
    v.array(v.strictObject({ id: v.string(), name: v.string(), type: v.picklist(["Transactional", "Broadcasts"]) })),
  ),
  /** The webhook of the settings' stream for the callback URL; installed null: unknown (Postmark not asked). */
  webhook: v.strictObject({
    installed: v.nullable(v.boolean()),
    webhookId: v.nullable(v.number()),
    stream: v.string(),
    url: v.string(),
    triggers: v.optional(Triggers),
  }),
  messageStream: v.string(),
  /** The newest event stored from Postmark's webhook. */
  lastEvent: LastEventView,
  /** The suppression sync with Postmark (src/sync/state.ts). */
  sync: v.strictObject({
    pendingPushes: v.number(),
    failedPushes: v.number(),
    lastImport: v.nullable(
      v.strictObject({
        at: v.string(),
        stream: v.string(),
        seen: v.number(),
        added: v.number(),
        alreadySuppressed: v.number(),
      }),
    ),
    lastError: v.nullable(v.strictObject({ at: v.string(), message: v.string() })),
  }),
});

export const postmarkConnectionApi = {
  get: declareRoute({
    method: "get",
    path: "/v1/email/postmark",
    tag: "Postmark webhook",
    summary:
      "The Postmark server as Postmark sees it (server, outbound streams, the webhook for the callback URL) and what is known here (last check, last event, sync state); when Postmark cannot be reached, `reachable: false` with `reason` and what is known here",
    auth: "tenant",
    responses: {
      200: { description: "The connection to Postmark", body: PostmarkConnectionView },
      404: "`not_configured`: no Postmark settings are saved",
    },
  }),
};
