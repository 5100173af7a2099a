// The stand-in's state: servers (one per Server API token), their streams, webhooks and suppressions, in
// Postmark's own shapes (PascalCase), plus the webhook posts it made. Kept in memory; `reset` empties it.

export type MessageStreamType = "Transactional" | "Broadcasts" | "Inbound";

export interface StandInStream {
  ID: string;
  Name: string;
  MessageStreamType: MessageStreamType;
}

export interface WebhookTriggers {
  Open: { Enabled: boolean; PostFirstOpenOnly: boolean };
  Click: { Enabled: boolean };
  Delivery: { Enabled: boolean };
  Bounce: { Enabled: boolean; IncludeContent: boolean };
  SpamComplaint: { Enabled: boolean; IncludeContent: boolean };
  SubscriptionChange: { Enabled: boolean };
}

export interface StandInWebhook {
  ID: number;
  Url: string;
  MessageStream: string;
  HttpAuth: { Username: string; Password: string } | null;
  HttpHeaders: { Name: string; Value: string }[];
  Triggers: WebhookTriggers;
}

export type SuppressionReason = "HardBounce" | "SpamComplaint" | "ManualSuppression";
export type SuppressionOrigin = "Recipient" | "Customer" | "Admin";

export interface StandInSuppression {
  EmailAddress: string;
  SuppressionReason: SuppressionReason;
  Origin: SuppressionOrigin;
  CreatedAt: string;
}

/** A change made through the suppressions API that Postmark has accepted but not applied yet. */
export interface PendingSuppressionChange {
  stream: string;
  email: string;
  action: "suppress" | "delete";
}

export interface StandInServer {
  token: string;
  ID: number;
  Name: string;
  streams: StandInStream[];
  webhooks: StandInWebhook[];
  /** Applied suppressions by stream, then by lower-cased address. */
  suppressions: Map<string, Map<string, StandInSuppression>>;
  pending: PendingSuppressionChange[];
  /** What the Stats API answers (stats.ts): counts by stream and day. */
  stats: Map<string, Map<string, DayCounts>>;
}

/** One stream's counts on one of Postmark's days, for the Stats API (stats.ts). */
export interface DayCounts {
  sent: number;
  /** By bounce Type (HardBounce, SoftBounce, Transient, SMTPApiError, ...). */
  bounces: Record<string, number>;
  spamComplaints: number;
}

export interface StandInServerInit {
  token?: string;
  id?: number;
  name?: string;
  streams?: StandInStream[];
}

/** A webhook post the stand-in made (or would have made, for a URL that is not on this machine). */
export interface WebhookDelivery {
  /** The webhook's URL without credentials. */
  url: string;
  username: string | null;
  password: string | null;
  /** The JSON body exactly as posted (64-bit IDs kept exact). */
  body: string;
  /** Whether it was sent: only loopback URLs are. */
  delivered: boolean;
  /** The answer's HTTP status when it was sent and answered. */
  status?: number;
  error?: string;
}

export const DEFAULT_STREAMS: StandInStream[] = [
  { ID: "outbound", Name: "Default Transactional Stream", MessageStreamType: "Transactional" },
  { ID: "broadcast", Name: "Default Broadcast Stream", MessageStreamType: "Broadcasts" },
  { ID: "inbound", Name: "Default Inbound Stream", MessageStreamType: "Inbound" },
];

/** Postmark's error body. */
export class PostmarkApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
  }
}

// Error codes the stand-in answers with (Postmark's where its docs name one).
export const ErrorCodes = {
  invalidToken: 10,
  invalidJson: 402,
  streamNotFound: 1226,
  tooManySuppressions: 1228,
  webhookNotFound: 1240,
  invalidWebhook: 1241,
  tooManyWebhooks: 1242,
} as const;

export const refuse = (errorCode: number, message: string) => new PostmarkApiError(422, errorCode, message);

/** A query parameter by name, case-insensitively, as Postmark reads them (its own client sends camelCase). */
export function queryParam(query: URLSearchParams, name: string): string | null {
  const wanted = name.toLowerCase();
  for (const [key, value] of query) if (key.toLowerCase() === wanted) return value;
  return null;
}
