// The Postmark callback URL's Basic credentials, checked against a short-lived per-isolate copy of the
// tenant's live credentials. Why: reading them costs one D1 round trip per webhook, and a D1 round trip
// is what limits webhook throughput (BENCHMARKS.md).
// Safe because: a miss or a wrong password reads the database again, so new credentials (a rotation)
// work at once; an expiry is checked at use against the cached expiry time, so a credential rotated out
// stops working on time. A rotation that revokes the old credentials at once (overlapHours 0) drops this
// isolate's copy; other isolates keep theirs for at most CREDENTIAL_CACHE_MS.
import { createMiddleware } from "hono/factory";
import { basicCredentials, matchesAny } from "../crypto/webhook-credentials";
import { type LiveCredential, liveCredentials } from "../db/webhook-credentials";
import { onePer } from "../per-isolate";
import type { AppEnv } from "./app-env";
import { ApiError, logError } from "./errors";

/** How long a copy is used before it is read again even when it matches. */
const CREDENTIAL_CACHE_MS = 60_000;
/**
 * How old a copy may be and still open the URL while the credentials cannot be read (D1 down): events then
 * wait on the queue instead of being refused. A rotation that revokes at once drops this isolate's copy.
 */
const STALE_IF_UNREADABLE_MS = 15 * 60_000;
/** Most tenants kept (oldest copy dropped first), so the memory it takes is bounded. */
const MAX_TENANTS = 10_000;

type ReadCredentials = (tenantId: string, now: Date) => Promise<LiveCredential[]>;

export class WebhookCredentialCache {
  private readonly copies = new Map<string, { readAt: number; credentials: LiveCredential[] }>();

  constructor(
    private readonly read: ReadCredentials,
    private readonly maxAgeMs = CREDENTIAL_CACHE_MS,
    private readonly staleIfUnreadableMs = STALE_IF_UNREADABLE_MS,
  ) {}

  /** Whether `given` opens `tenantId`'s callback URL at `now`; throws when the credentials cannot be read. */
  async verify(tenantId: string, given: { username: string; password: string }, now: Date): Promise<boolean> {
    const copy = this.copies.get(tenantId);
    if (
      copy &&
      now.getTime() - copy.readAt < this.maxAgeMs &&
      (await matchesAny(given, usableAt(copy.credentials, now)))
    )
      return true;
    let credentials: LiveCredential[];
    try {
      credentials = await this.read(tenantId, now);
    } catch (err) {
      if (
        copy &&
        now.getTime() - copy.readAt < this.staleIfUnreadableMs &&
        (await matchesAny(given, usableAt(copy.credentials, now)))
      )
        return true;
      throw err;
    }
    this.remember(tenantId, credentials, now);
    return matchesAny(given, usableAt(credentials, now));
  }

  /** Drops the copy of `tenantId`'s credentials (after a rotation), so the next webhook reads them again. */
  forget(tenantId: string): void {
    this.copies.delete(tenantId);
  }

  private remember(tenantId: string, credentials: LiveCredential[], now: Date) {
    this.copies.delete(tenantId); // re-inserted last: the Map's order is the eviction order
    if (credentials.length === 0) return; // unknown tenants are not kept: they could fill the map
    this.copies.set(tenantId, { readAt: now.getTime(), credentials });
    if (this.copies.size > MAX_TENANTS) this.copies.delete(this.copies.keys().next().value!);
  }
}

const usableAt = (credentials: LiveCredential[], now: Date) =>
  credentials.filter((c) => c.expiresAt === null || Date.parse(c.expiresAt) > now.getTime());

/** The cache shared by this isolate's requests that read credentials from `db`. */
const webhookCredentialCacheFor = onePer(
  (db: D1Database) => new WebhookCredentialCache((tenantId, now) => liveCredentials(db, tenantId, now)),
);

/** Makes this isolate read `tenantId`'s credentials again on the next webhook (after a rotation that revokes). */
export const forgetCachedWebhookCredentials = (db: D1Database, tenantId: string) =>
  webhookCredentialCacheFor(db).forget(tenantId);

/** Any storage failure on the webhook is a 503, so that Postmark delivers the event again later. */
export async function orUnavailable<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    logError("webhook storage failed", err);
    throw new ApiError(503, "storage_unavailable", "The event could not be stored right now; Postmark will retry it.");
  }
}

/**
 * The Postmark webhook receiver's guard: the Basic credentials of `:tenantId`'s callback URL. Unknown tenant
 * and wrong password get the same 401. Not hono's basicAuth: its 401 is a ready-made response that the error
 * handler would turn into a generic message, where this one says what to do.
 */
export const requirePostmarkWebhook = createMiddleware<AppEnv>(async (c, next) => {
  const given = basicCredentials(c.req.header("Authorization"));
  const cache = webhookCredentialCacheFor(c.env.DB);
  const allowed = given ? await orUnavailable(cache.verify(c.req.param("tenantId") ?? "", given, new Date())) : false;
  if (!allowed) {
    c.header("WWW-Authenticate", 'Basic realm="postmark-webhook", charset="UTF-8"');
    throw new ApiError(
      401,
      "unauthorized",
      "Missing or invalid webhook credentials: use the callback URL with credentials from GET /v1/email/webhook.",
    );
  }
  await next();
});
