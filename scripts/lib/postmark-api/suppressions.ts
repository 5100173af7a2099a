// The suppressions API of a message stream, as Postmark documents it: the dump, and create/delete of at most
// 50 addresses a call. Creates and deletes are accepted at once and applied later (Postmark: up to about a
// minute); applying a change that changes something posts a SubscriptionChange, the echo a client sees of its
// own change. `flush` applies everything pending now (tests).
import {
  ErrorCodes,
  type PendingSuppressionChange,
  queryParam,
  refuse,
  type StandInServer,
  type StandInSuppression,
  type SuppressionOrigin,
  type SuppressionReason,
} from "./model.ts";

export const MAX_ADDRESSES_PER_CALL = 50;

/** Posts a SubscriptionChange (or any event) to the server's webhooks; provided by server.ts. */
export type PostEvent = (
  server: StandInServer,
  stream: string,
  recordType: "SubscriptionChange",
  body: string,
) => Promise<void>;

// Loose on purpose (Postmark accepts what a mail server would): one @, no spaces, a dot in the domain.
const PLAUSIBLE_ADDRESS = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function streamSuppressions(server: StandInServer, stream: string): Map<string, StandInSuppression> {
  let list = server.suppressions.get(stream);
  if (!list) {
    list = new Map();
    server.suppressions.set(stream, list);
  }
  return list;
}

export function requireStream(server: StandInServer, stream: string) {
  const found = server.streams.find((s) => s.ID === stream);
  if (!found) {
    throw refuse(ErrorCodes.streamNotFound, `The message stream for the provided 'ID' (${stream}) was not found.`);
  }
  return found;
}

/** GET /message-streams/{stream}/suppressions/dump with Postmark's filters. */
export function dumpSuppressions(server: StandInServer, stream: string, query: URLSearchParams): string {
  requireStream(server, stream);
  const reason = queryParam(query, "SuppressionReason");
  const origin = queryParam(query, "Origin");
  const email = queryParam(query, "EmailAddress")?.toLowerCase();
  const from = queryParam(query, "fromdate");
  const to = queryParam(query, "todate");
  const parts: string[] = [];
  for (const s of streamSuppressions(server, stream).values()) {
    if (reason && s.SuppressionReason !== reason) continue;
    if (origin && s.Origin !== origin) continue;
    if (email && s.EmailAddress.toLowerCase() !== email) continue;
    if (from && s.CreatedAt.slice(0, 10) < from.slice(0, 10)) continue;
    if (to && s.CreatedAt.slice(0, 10) > to.slice(0, 10)) continue;
    parts.push(JSON.stringify(s));
  }
  // Built as text: a dump of 100,000 rows stays one string, not 100,000 objects and their copy.
  return `{"Suppressions":[${parts.join(",")}]}`;
}

function requestedAddresses(body: unknown): string[] {
  const list = (body as { Suppressions?: unknown } | null)?.Suppressions;
  if (!Array.isArray(list)) throw refuse(ErrorCodes.invalidJson, "The Suppressions field is required.");
  if (list.length > MAX_ADDRESSES_PER_CALL) {
    throw refuse(
      ErrorCodes.tooManySuppressions,
      `You can only suppress or delete ${MAX_ADDRESSES_PER_CALL} email addresses per request.`,
    );
  }
  return list.map((entry: { EmailAddress?: unknown }) =>
    typeof entry?.EmailAddress === "string" ? entry.EmailAddress : "",
  );
}

/** POST /message-streams/{stream}/suppressions: each address Suppressed (applied later) or Failed. */
export function createSuppressions(server: StandInServer, stream: string, body: unknown, schedule: () => void) {
  requireStream(server, stream);
  const results = requestedAddresses(body).map((email) => {
    if (!PLAUSIBLE_ADDRESS.test(email)) {
      return { EmailAddress: email, Status: "Failed", Message: "Invalid email address." };
    }
    server.pending.push({ stream, email, action: "suppress" });
    return { EmailAddress: email, Status: "Suppressed", Message: null };
  });
  schedule();
  return { Suppressions: results };
}

/** POST /message-streams/{stream}/suppressions/delete: Deleted (applied later), or Failed for a spam complaint. */
export function deleteSuppressions(server: StandInServer, stream: string, body: unknown, schedule: () => void) {
  requireStream(server, stream);
  const applied = streamSuppressions(server, stream);
  const results = requestedAddresses(body).map((email) => {
    if (!PLAUSIBLE_ADDRESS.test(email)) {
      return { EmailAddress: email, Status: "Failed", Message: "Invalid email address." };
    }
    if (applied.get(email.toLowerCase())?.SuppressionReason === "SpamComplaint") {
      return {
        EmailAddress: email,
        Status: "Failed",
        Message: "You do not have the required authority to change this suppression.",
      };
    }
    server.pending.push({ stream, email, action: "delete" });
    return { EmailAddress: email, Status: "Deleted", Message: null };
  });
  schedule();
  return { Suppressions: results };
}

/** A SubscriptionChange event as Postmark posts it. */
export function subscriptionChangeBody(
  server: StandInServer,
  stream: string,
  email: string,
  change: { suppress: boolean; reason: SuppressionReason | null; origin: SuppressionOrigin; messageId?: string | null },
  changedAt: string,
): string {
  return JSON.stringify({
    RecordType: "SubscriptionChange",
    MessageID: change.messageId ?? null,
    ServerID: server.ID,
    MessageStream: stream,
    ChangedAt: changedAt,
    Recipient: email,
    Origin: change.origin,
    SuppressSending: change.suppress,
    SuppressionReason: change.suppress ? change.reason : null,
    Tag: null,
    Metadata: {},
  });
}

/**
 * Puts an address on the stream's list now (bounces, spam complaints, seeding, and the async apply of an API
 * create) and posts the SubscriptionChange when that changed something. A spam complaint is never replaced.
 */
export async function suppressNow(
  server: StandInServer,
  stream: string,
  entry: StandInSuppression,
  post: PostEvent,
  messageId: string | null = null,
): Promise<void> {
  const list = streamSuppressions(server, stream);
  const key = entry.EmailAddress.toLowerCase();
  const existing = list.get(key);
  if (existing && (existing.SuppressionReason === "SpamComplaint" || entry.SuppressionReason !== "SpamComplaint")) {
    return;
  }
  list.set(key, entry);
  const body = subscriptionChangeBody(
    server,
    stream,
    entry.EmailAddress,
    { suppress: true, reason: entry.SuppressionReason, origin: entry.Origin, messageId },
    entry.CreatedAt,
  );
  await post(server, stream, "SubscriptionChange", body);
}

async function applyOne(server: StandInServer, change: PendingSuppressionChange, post: PostEvent): Promise<void> {
  const now = new Date().toISOString();
  if (change.action === "suppress") {
    const entry: StandInSuppression = {
      EmailAddress: change.email,
      SuppressionReason: "ManualSuppression",
      Origin: "Customer",
      CreatedAt: now,
    };
    return suppressNow(server, change.stream, entry, post);
  }
  const list = streamSuppressions(server, change.stream);
  const key = change.email.toLowerCase();
  const existing = list.get(key);
  if (!existing || existing.SuppressionReason === "SpamComplaint") return;
  list.delete(key);
  const body = subscriptionChangeBody(
    server,
    change.stream,
    existing.EmailAddress,
    { suppress: false, reason: null, origin: "Customer" },
    now,
  );
  await post(server, change.stream, "SubscriptionChange", body);
}

/** Applies every pending change of `server`, in the order they were accepted, and posts their echoes. */
export async function applyPending(server: StandInServer, post: PostEvent): Promise<void> {
  const pending = server.pending.splice(0);
  for (const change of pending) await applyOne(server, change, post);
}

/** The applied list of every stream, for /__standin/state. */
export function appliedSuppressions(server: StandInServer) {
  return Object.fromEntries([...server.suppressions].map(([stream, list]) => [stream, [...list.values()]]));
}
