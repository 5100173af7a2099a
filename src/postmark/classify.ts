// What a Postmark webhook event means for the suppression list: one pure, table-driven function.
import { toAddress } from "../email-address";
import { DEFAULT_STREAM, STREAM_ID, type SuppressionReason } from "../model/suppression";
import { toUtcTimestamp } from "./timestamps";

export type EventKind = "bounce" | "spam_complaint" | "subscription_change";
/** suppress: the address goes on the list; reactivate: it comes off; count: stored for the report only. */
export type Effect = "suppress" | "reactivate" | "count";

export interface PostmarkEvent {
  kind: EventKind;
  effect: Effect;
  /** Identifies the event across Postmark's retries: the bounce ID, or the event's own fields. */
  key: string;
  /** Postmark's bounce Type, or for a subscription change its SuppressionReason (or "Reactivated"). */
  type: string;
  stream: string;
  email: string | null;
  /** The event's own time (UTC, 7 fraction digits), null when the payload has none. */
  occurredAt: string | null;
  bounceId: string | null;
  messageId: string | null;
  /**
   * For a subscription change made through Postmark's API or UI (Origin Customer): the push from here it may
   * be the echo of ("create": suppressed by hand, "delete": reactivated). Null for every other event.
   */
  echoOf: "create" | "delete" | null;
  /** For a bounce: who caused it (SENDER_CAUSED_BOUNCE_TYPES); null for other events. */
  fault: "sender" | "recipient" | null;
  /** A bounce that counts toward the recipient's soft bounces (the tenant's soft-bounce policy, db/soft-bounces.ts). */
  softBounce: boolean;
  /** Set when effect is "suppress". */
  suppression: {
    reason: SuppressionReason;
    bounceType: string | null;
    details: string | null;
    canReactivate: boolean;
  } | null;
}

export type Classification = { action: "store"; event: PostmarkEvent } | { action: "ignore"; why: string };

/** Record types, by Postmark's RecordType. Anything else (and inbound mail) is ignored. */
const RECORD_TYPES: Record<string, EventKind | "ignore"> = {
  Bounce: "bounce",
  SpamComplaint: "spam_complaint",
  SubscriptionChange: "subscription_change",
  Delivery: "ignore",
  Open: "ignore",
  Click: "ignore",
};

/**
 * Bounce Types that decide for themselves. `always`: suppresses even when Postmark did not mark the
 * address Inactive. Every other Type is only counted, unless Postmark marked the address Inactive, and
 * then suppresses as a hard bounce.
 */
const BOUNCE_TYPES: Record<string, { reason: SuppressionReason; always?: true }> = {
  HardBounce: { reason: "hard_bounce", always: true },
  SpamComplaint: { reason: "spam_complaint", always: true },
  Unsubscribe: { reason: "unsubscribe" },
  ManuallyDeactivated: { reason: "manual" },
};
const OTHER_BOUNCE_TYPE: { reason: SuppressionReason; always?: true } = { reason: "hard_bounce" };

/**
 * Bounce Types that say the sender is the problem, from Postmark's bounce type table: Blocked (the receiving
 * server refused the sender or its content: reputation, a blocklist, a filter), DMARCPolicy (the sender's
 * domain failed DMARC), SMTPApiError (Postmark refused the send itself) and TemplateRenderingFailed (the
 * sender's template). The recipient's address may be fine, so these never suppress it, even when Postmark
 * marks it Inactive, and never count toward its soft bounces; the report shows them apart.
 */
export const SENDER_CAUSED_BOUNCE_TYPES: readonly string[] = [
  "Blocked",
  "DMARCPolicy",
  "SMTPApiError",
  "TemplateRenderingFailed",
];
export const isSenderCaused = (type: string): boolean => SENDER_CAUSED_BOUNCE_TYPES.includes(type);

/**
 * The bounce Type that counts toward the soft-bounce policy: SoftBounce, Postmark's "unable to deliver for now"
 * after its own retries. Transient (a delay Postmark is still retrying) and DnsError (often a passing fault of
 * the recipient's DNS) do not; the partial index of migrations/0011 is on this Type.
 */
export const SOFT_BOUNCE_TYPE = "SoftBounce";

/** SubscriptionChange SuppressionReason -> reason; ManualSuppression (or none) depends on who suppressed. */
const SUBSCRIPTION_REASONS: Record<string, SuppressionReason> = {
  HardBounce: "hard_bounce",
  SpamComplaint: "spam_complaint",
};
const manualSuppressionReason = (origin: string | null): SuppressionReason =>
  origin === "Recipient" ? "unsubscribe" : "manual";

const NAME = /^[A-Za-z0-9][A-Za-z0-9 _-]{0,63}$/;

/** A string field, or null for a missing field or one of another type. */
const text = (value: unknown, max: number): string | null =>
  typeof value === "string" && value.trim() !== "" ? value.trim().slice(0, max) : null;
const name = (value: unknown): string | null => (typeof value === "string" && NAME.test(value) ? value : null);
/** Bounce IDs arrive as exact digit strings (see payload.ts); small ones may still be plain numbers. */
const bounceId = (value: unknown): string | null => {
  const id = typeof value === "number" && Number.isSafeInteger(value) ? String(value) : value;
  return typeof id === "string" && /^\d{1,20}$/.test(id) ? id : null;
};

function recordKind(p: Record<string, unknown>): EventKind | "ignore" | null {
  if (typeof p.RecordType === "string") return RECORD_TYPES[p.RecordType] ?? null;
  // Older payloads and test sends may lack RecordType: recognise them by their fields.
  if ("FromFull" in p || "OriginalRecipient" in p) return "ignore"; // inbound mail posted to this URL
  if (typeof p.Type === "string") return p.Type === "SpamComplaint" ? "spam_complaint" : "bounce";
  if (typeof p.SuppressSending === "boolean") return "subscription_change";
  if ("DeliveredAt" in p || "ReceivedAt" in p) return "ignore";
  return null;
}

export function classifyEvent(p: Record<string, unknown>): Classification {
  const kind = recordKind(p);
  if (kind === null) return { action: "ignore", why: "not a Postmark event this service uses" };
  if (kind === "ignore")
    return { action: "ignore", why: "deliveries, opens, clicks and inbound mail do not change suppressions" };

  // A missing (or null) stream is Postmark's default; anything else must be a stream id, never guessed as outbound.
  const stream = p.MessageStream ?? DEFAULT_STREAM;
  if (typeof stream !== "string" || !STREAM_ID.test(stream))
    return { action: "ignore", why: "MessageStream is not a message stream id" };
  const messageId = text(p.MessageID, 200);
  return kind === "subscription_change" ? subscriptionChange(p, stream, messageId) : bounce(p, kind, stream, messageId);
}

function bounce(
  p: Record<string, unknown>,
  recorded: EventKind,
  stream: string,
  messageId: string | null,
): Classification {
  const type = name(p.Type) ?? (recorded === "spam_complaint" ? "SpamComplaint" : "Unknown");
  const kind: EventKind = recorded === "spam_complaint" || type === "SpamComplaint" ? "spam_complaint" : "bounce";
  const rule = kind === "spam_complaint" ? BOUNCE_TYPES.SpamComplaint! : (BOUNCE_TYPES[type] ?? OTHER_BOUNCE_TYPE);
  const email = toAddress(p.Email);
  const occurredAt = toUtcTimestamp(p.BouncedAt);
  const id = bounceId(p.ID);
  const senderCaused = kind === "bounce" && isSenderCaused(type);
  const suppresses = email !== null && !senderCaused && (rule.always === true || p.Inactive === true);
  return {
    action: "store",
    event: {
      kind,
      effect: suppresses ? "suppress" : "count",
      key: id
        ? `${kind}:${id}`
        : `${kind}:${JSON.stringify([type, messageId, email, occurredAt ?? text(p.BouncedAt, 40), stream])}`,
      type,
      stream,
      email,
      occurredAt,
      bounceId: id,
      messageId,
      echoOf: null,
      fault: kind === "bounce" ? (senderCaused ? "sender" : "recipient") : null,
      softBounce: email !== null && kind === "bounce" && type === SOFT_BOUNCE_TYPE,
      suppression: suppresses
        ? {
            reason: rule.reason,
            bounceType: type,
            details: text(p.Details, 1000) ?? text(p.Description, 1000),
            canReactivate: rule.reason !== "spam_complaint" && p.CanActivate !== false,
          }
        : null,
    },
  };
}

function subscriptionChange(p: Record<string, unknown>, stream: string, messageId: string | null): Classification {
  const email = toAddress(p.Recipient);
  if (email === null) return { action: "ignore", why: "the subscription change names no valid Recipient" };
  if (typeof p.SuppressSending !== "boolean") return { action: "ignore", why: "SuppressSending is not true or false" };

  const postmarkReason = name(p.SuppressionReason);
  const origin = name(p.Origin);
  const occurredAt = toUtcTimestamp(p.ChangedAt);
  const reason = postmarkReason
    ? (SUBSCRIPTION_REASONS[postmarkReason] ?? manualSuppressionReason(origin))
    : manualSuppressionReason(origin);
  const suppresses = p.SuppressSending;
  return {
    action: "store",
    event: {
      kind: "subscription_change",
      effect: suppresses ? "suppress" : "reactivate",
      key: `subscription_change:${JSON.stringify([stream, email, occurredAt ?? text(p.ChangedAt, 40), suppresses, postmarkReason, origin, messageId])}`,
      type: suppresses ? (postmarkReason ?? "ManualSuppression") : "Reactivated",
      stream,
      email,
      occurredAt,
      bounceId: null,
      messageId,
      echoOf: origin !== "Customer" ? null : !suppresses ? "delete" : reason === "manual" ? "create" : null,
      fault: null,
      softBounce: false,
      suppression: suppresses
        ? {
            reason,
            bounceType: postmarkReason === "HardBounce" || postmarkReason === "SpamComplaint" ? postmarkReason : null,
            details: `Suppressed in Postmark (${postmarkReason ?? "ManualSuppression"}, origin ${origin ?? "unknown"})`,
            canReactivate: reason !== "spam_complaint",
          }
        : null,
    },
  };
}
