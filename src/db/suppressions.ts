// SQL for the suppression list: the state of each address per tenant and stream, and its change feed.
import { normaliseEmail } from "../email-address";
import type { SuppressionReason } from "../model/suppression";
import { type EchoMatch, echoVersionSql } from "../sync/echo";
import { type PushView, pushIntentStatements, toPushView } from "./postmark-pushes";

export interface Suppression {
  email: string;
  stream: string;
  reason: SuppressionReason;
  origin: "postmark" | "api";
  suppressedAt: string;
  bounceType?: string;
  details?: string;
  canReactivate: boolean;
  /** The push to Postmark of the change that made this state, when it was made here (sync/push.ts). */
  postmark?: PushView;
}

interface SuppressionRow {
  email: string;
  stream: string;
  reason: SuppressionReason;
  origin: "postmark" | "api";
  suppressed_at: string;
  bounce_type: string | null;
  details: string | null;
  can_reactivate: number;
  action: PushView["action"] | null;
  state: PushView["state"] | null;
  attempts: number | null;
  requested_at: string | null;
  next_attempt_at: string | null;
  message: string | null;
}

const toSuppression = (row: SuppressionRow): Suppression => ({
  email: row.email,
  stream: row.stream,
  reason: row.reason,
  origin: row.origin,
  suppressedAt: row.suppressed_at,
  ...(row.bounce_type !== null ? { bounceType: row.bounce_type } : {}),
  ...(row.details !== null ? { details: row.details } : {}),
  canReactivate: row.can_reactivate === 1,
  ...(row.action !== null && row.state !== null && row.requested_at !== null
    ? {
        postmark: toPushView({
          ...row,
          action: row.action,
          state: row.state,
          attempts: row.attempts ?? 0,
          requested_at: row.requested_at,
        }),
      }
    : {}),
});

/** A suppression row (s) with the push that carries its current state (p, when there is one). */
const ROWS_WITH_PUSH = `SELECT s.email, s.stream, s.reason, s.origin, s.suppressed_at, s.bounce_type, s.details, s.can_reactivate,
    p.action, p.state, p.attempts, p.requested_at, p.next_attempt_at, p.message
  FROM suppressions AS s LEFT JOIN postmark_pushes AS p
    ON p.tenant_id = s.tenant_id AND p.stream = s.stream AND p.email = s.email AND p.version = s.version
       AND p.state != 'superseded'`;

/** The reason mail to `email` on `stream` is blocked, or null when the address is active. */
export async function findSuppression(
  db: D1Database,
  tenantId: string,
  stream: string,
  email: string,
): Promise<{ reason: SuppressionReason } | null> {
  return db
    .prepare("SELECT reason FROM suppressions WHERE tenant_id = ?1 AND email = ?2 AND stream = ?3 AND suppressed = 1")
    .bind(tenantId, normaliseEmail(email), stream)
    .first<{ reason: SuppressionReason }>();
}

/** The suppression of `email` on `stream` (any spelling of the address), or null when the address is active. */
export async function getSuppression(
  db: D1Database,
  tenantId: string,
  stream: string,
  email: string,
): Promise<Suppression | null> {
  const row = await db
    .prepare(`${ROWS_WITH_PUSH} WHERE s.tenant_id = ?1 AND s.email = ?2 AND s.stream = ?3 AND s.suppressed = 1`)
    .bind(tenantId, normaliseEmail(email), stream)
    .first<SuppressionRow>();
  return row ? toSuppression(row) : null;
}

/**
 * A Postmark event's change to one address, as a statement that needs no read before it:
 * - it takes effect only if this request's receipt stored the event row (same batch), so a redelivered
 *   event changes nothing, and replaying the whole batch is harmless;
 * - it applies only over an older version, so late or reordered events cannot undo newer ones;
 * - a spam complaint is final: it applies over anything but a (newer) spam complaint, and nothing
 *   else applies over it;
 * - an echo of a change pushed from here is ordered at that change's version (sync/echo.ts).
 */
export function postmarkChangeStatement(
  db: D1Database,
  change: {
    tenantId: string;
    email: string;
    stream: string;
    suppression: {
      reason: SuppressionReason;
      bounceType: string | null;
      details: string | null;
      canReactivate: boolean;
    } | null;
    suppressedAt: string;
    version: string;
    updatedAt: string;
    eventKey: string;
    receiptId: string;
    /** Set for a Customer change: the pushes it may be the echo of. */
    echo: EchoMatch | null;
  },
): D1PreparedStatement {
  const s = change.suppression;
  return db
    .prepare(
      `INSERT INTO suppressions (tenant_id, email, stream, suppressed, reason, origin, suppressed_at, bounce_type, details, can_reactivate, version, updated_at)
       SELECT ?1, ?2, ?3, ?4, ?5, 'postmark', ?6, ?7, ?8, ?9,
         coalesce(${echoVersionSql("?1", "?3", "?2", "?14", "?15", "?16")}, ?10), ?11
       WHERE EXISTS (SELECT 1 FROM postmark_events WHERE tenant_id = ?1 AND event_key = ?12 AND receipt_id = ?13)
       ON CONFLICT (tenant_id, email, stream) DO UPDATE SET
         suppressed = excluded.suppressed,
         reason = iif(excluded.suppressed, excluded.reason, suppressions.reason),
         origin = iif(excluded.suppressed, excluded.origin, suppressions.origin),
         suppressed_at = iif(excluded.suppressed, excluded.suppressed_at, suppressions.suppressed_at),
         bounce_type = iif(excluded.suppressed, excluded.bounce_type, suppressions.bounce_type),
         details = iif(excluded.suppressed, excluded.details, suppressions.details),
         can_reactivate = iif(excluded.suppressed, excluded.can_reactivate, suppressions.can_reactivate),
         version = excluded.version,
         updated_at = excluded.updated_at
       WHERE iif(suppressions.reason IS 'spam_complaint',
                 excluded.reason IS 'spam_complaint' AND excluded.version > suppressions.version,
                 excluded.reason IS 'spam_complaint' OR excluded.version > suppressions.version)`,
    )
    .bind(
      change.tenantId,
      change.email,
      change.stream,
      s ? 1 : 0,
      s?.reason ?? null,
      s ? change.suppressedAt : null,
      s?.bounceType ?? null,
      s?.details ?? null,
      s && !s.canReactivate ? 0 : 1,
      change.version,
      change.updatedAt,
      change.eventKey,
      change.receiptId,
      change.echo?.action ?? null,
      change.echo?.attemptedFrom ?? null,
      change.echo?.requestedUntil ?? null,
    );
}

/** "Now" of a change made through the API; `at` has 7 fraction digits (the push times), `iso` milliseconds. */
export interface ApiChangeTime {
  iso: string;
  at: string;
  version: string;
}

/**
 * Suppresses addresses by hand (origin api); returns the addresses that were not suppressed before. With
 * `push`, the intent to suppress them in Postmark is committed in the same batch (db/postmark-pushes.ts).
 */
export async function addSuppressions(
  db: D1Database,
  tenantId: string,
  stream: string,
  emails: string[],
  reason: SuppressionReason,
  now: ApiChangeTime,
  push: { retryAt: string } | null,
): Promise<string[]> {
  const [added] = await db.batch<{ email: string }>([
    db
      .prepare(
        `INSERT INTO suppressions (tenant_id, email, stream, suppressed, reason, origin, suppressed_at, bounce_type, details, can_reactivate, version, updated_at)
         SELECT ?1, value, ?2, 1, ?3, 'api', ?4, NULL, NULL, 1, ?5, ?4 FROM json_each(?6) WHERE true
         ON CONFLICT (tenant_id, email, stream) DO UPDATE SET
           suppressed = 1, reason = excluded.reason, origin = 'api', suppressed_at = excluded.suppressed_at,
           bounce_type = NULL, details = NULL, can_reactivate = 1,
           version = max(excluded.version, suppressions.version), updated_at = excluded.updated_at
         WHERE suppressions.suppressed = 0
         RETURNING email`,
      )
      .bind(tenantId, stream, reason, now.iso, now.version, JSON.stringify(emails)),
    ...(push
      ? pushIntentStatements(db, {
          tenantId,
          stream,
          emails,
          action: "create",
          updatedAt: now.iso,
          at: now.at,
          retryAt: push.retryAt,
        })
      : []),
  ]);
  return added!.results.map((r) => r.email);
}

export type ReactivateResult = "reactivated" | "not_suppressed" | "cannot_reactivate";

/**
 * Takes an address off the list by hand; spam complaints (and what Postmark cannot reactivate) stay. With
 * `push`, the intent to delete it from Postmark's list is committed in the same batch.
 */
export async function reactivateSuppression(
  db: D1Database,
  tenantId: string,
  stream: string,
  email: string,
  now: ApiChangeTime,
  push: { retryAt: string } | null,
): Promise<ReactivateResult> {
  const [updated, current] = await db.batch<{ can_reactivate: number }>([
    db
      .prepare(
        `UPDATE suppressions SET suppressed = 0, version = max(?4, version), updated_at = ?5
         WHERE tenant_id = ?1 AND email = ?2 AND stream = ?3 AND suppressed = 1 AND can_reactivate = 1
         RETURNING can_reactivate`,
      )
      .bind(tenantId, email, stream, now.version, now.iso),
    db
      .prepare(
        "SELECT can_reactivate FROM suppressions WHERE tenant_id = ?1 AND email = ?2 AND stream = ?3 AND suppressed = 1",
      )
      .bind(tenantId, email, stream),
    ...(push
      ? pushIntentStatements(db, {
          tenantId,
          stream,
          emails: [email],
          action: "delete",
          updatedAt: now.iso,
          at: now.at,
          retryAt: push.retryAt,
        })
      : []),
  ]);
  if (updated!.results.length > 0) return "reactivated";
  return current!.results.length > 0 ? "cannot_reactivate" : "not_suppressed";
}

/** Of `emails` (normalised), those suppressed on `stream`: one query for up to 1000 addresses. */
export async function checkSuppressions(db: D1Database, tenantId: string, stream: string, emails: string[]) {
  const { results } = await db
    .prepare(
      `SELECT email, reason FROM suppressions
       WHERE tenant_id = ?1 AND stream = ?2 AND suppressed = 1 AND email IN (SELECT value FROM json_each(?3))
       ORDER BY email`,
    )
    .bind(tenantId, stream, JSON.stringify(emails))
    .all<{ email: string; reason: SuppressionReason }>();
  return results;
}

export interface SuppressionFilter {
  /** substring of the normalised address */
  email?: string;
  reason?: SuppressionReason;
  stream?: string;
}

/** Position in the list: the (email, stream) of the last row of the previous page. */
export type ListPosition = [email: string, stream: string];

/** One page of suppressed addresses in (email, stream) order, after `after`. */
export async function listSuppressions(
  db: D1Database,
  tenantId: string,
  filter: SuppressionFilter,
  limit: number,
  after: ListPosition | null,
): Promise<Suppression[]> {
  const { results } = await db
    .prepare(
      `${ROWS_WITH_PUSH}
       WHERE s.tenant_id = ?1 AND s.suppressed = 1
         AND (?2 IS NULL OR instr(s.email, ?2) > 0)
         AND (?3 IS NULL OR s.reason = ?3)
         AND (?4 IS NULL OR s.stream = ?4)
         AND (s.email, s.stream) > (?5, ?6)
       ORDER BY s.email, s.stream
       LIMIT ?7`,
    )
    // The first page starts after ('', ''), before every address: one form of the condition, so SQLite
    // seeks the primary key to the cursor instead of scanning the tenant's rows from the start each page.
    .bind(
      tenantId,
      filter.email ?? null,
      filter.reason ?? null,
      filter.stream ?? null,
      after?.[0] ?? "",
      after?.[1] ?? "",
      limit,
    )
    .all<SuppressionRow>();
  return results.map(toSuppression);
}

export interface SuppressionChange {
  seq: number;
  email: string;
  stream: string;
  suppressed: boolean;
  reason: SuppressionReason | null;
  changedAt: string;
}

/** Changes of the tenant's suppression states after `since`, oldest first. */
export async function listChanges(
  db: D1Database,
  tenantId: string,
  since: number,
  limit: number,
): Promise<SuppressionChange[]> {
  const { results } = await db
    .prepare(
      `SELECT seq, email, stream, suppressed, reason, changed_at FROM suppression_changes
       WHERE tenant_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3`,
    )
    .bind(tenantId, since, limit)
    .all<{
      seq: number;
      email: string;
      stream: string;
      suppressed: number;
      reason: SuppressionReason | null;
      changed_at: string;
    }>();
  return results.map((r) => ({
    seq: r.seq,
    email: r.email,
    stream: r.stream,
    suppressed: r.suppressed === 1,
    reason: r.reason,
    changedAt: r.changed_at,
  }));
}
