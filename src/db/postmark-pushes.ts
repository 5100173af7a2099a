// SQL for the outbox of local suppression changes to push to Postmark (migrations/0007_postmark_sync.sql).
import { toIsoMillis } from "../postmark/timestamps";

export type PushAction = "create" | "delete";
export type PushState = "pending" | "done" | "failed" | "superseded";

/** A push as the scheduled handler and the routes work with it. */
export interface Push {
  tenantId: string;
  stream: string;
  email: string;
  version: string;
  action: PushAction;
  state: PushState;
  attempts: number;
  message: string | null;
}

/** What the API shows of a push. */
export interface PushView {
  action: PushAction;
  state: PushState;
  message?: string;
  attempts: number;
  requestedAt: string;
  nextAttemptAt?: string;
}

interface PushRow {
  tenant_id: string;
  stream: string;
  email: string;
  version: string;
  action: PushAction;
  state: PushState;
  attempts: number;
  requested_at: string;
  next_attempt_at: string | null;
  message: string | null;
}

const toPush = (row: PushRow): Push => ({
  tenantId: row.tenant_id,
  stream: row.stream,
  email: row.email,
  version: row.version,
  action: row.action,
  state: row.state,
  attempts: row.attempts,
  message: row.message,
});

export const toPushView = (row: Omit<PushRow, "tenant_id" | "stream" | "email" | "version">): PushView => ({
  action: row.action,
  state: row.state,
  ...(row.message !== null ? { message: row.message } : {}),
  attempts: row.attempts,
  requestedAt: toIsoMillis(row.requested_at),
  ...(row.state === "pending" && row.next_attempt_at !== null
    ? { nextAttemptAt: toIsoMillis(row.next_attempt_at) }
    : {}),
});

/**
 * The outbox rows for a local change, to run in the SAME batch right after the statement that made it: one
 * push per address of `emails` whose row now carries this change (suppressed as `action` says and
 * updated_at = `change.updatedAt`), claimed for an attempt at once (the route calls Postmark next; should
 * that attempt be cut off, the scheduled handler retries at `change.retryAt`). Older pending pushes of the
 * same addresses are superseded: only the newest intent per address is pushed.
 */
export function pushIntentStatements(
  db: D1Database,
  change: {
    tenantId: string;
    stream: string;
    emails: string[];
    action: PushAction;
    /** updated_at the change wrote to its suppression rows (ISO, milliseconds). */
    updatedAt: string;
    /** now, 7 fraction digits */
    at: string;
    retryAt: string;
  },
): D1PreparedStatement[] {
  return [
    db
      .prepare(
        `INSERT INTO postmark_pushes (tenant_id, stream, email, version, action, state, attempts, requested_at, last_attempt_at, next_attempt_at)
         SELECT tenant_id, stream, email, version, ?4, 'pending', 1, ?6, ?6, ?7 FROM suppressions
         WHERE tenant_id = ?1 AND stream = ?2 AND email IN (SELECT value FROM json_each(?3))
           AND updated_at = ?5 AND suppressed = iif(?4 = 'create', 1, 0)
         ON CONFLICT (tenant_id, stream, email, version) DO UPDATE SET
           action = excluded.action, state = 'pending', attempts = 1, message = NULL,
           requested_at = excluded.requested_at, last_attempt_at = excluded.last_attempt_at,
           next_attempt_at = excluded.next_attempt_at`,
      )
      .bind(
        change.tenantId,
        change.stream,
        JSON.stringify(change.emails),
        change.action,
        change.updatedAt,
        change.at,
        change.retryAt,
      ),
    db
      .prepare(
        `UPDATE postmark_pushes AS old SET state = 'superseded', next_attempt_at = NULL
         WHERE old.tenant_id = ?1 AND old.stream = ?2 AND old.email IN (SELECT value FROM json_each(?3))
           AND old.state = 'pending'
           AND EXISTS (SELECT 1 FROM postmark_pushes AS newer
                       WHERE newer.tenant_id = old.tenant_id AND newer.stream = old.stream
                         AND newer.email = old.email AND newer.version > old.version)`,
      )
      .bind(change.tenantId, change.stream, JSON.stringify(change.emails)),
  ];
}

/** The pushes of `emails` at their newest version (after pushIntentStatements), for the route to try. */
export async function newestPushes(
  db: D1Database,
  tenantId: string,
  stream: string,
  emails: string[],
): Promise<Push[]> {
  const { results } = await db
    .prepare(
      `SELECT p.* FROM postmark_pushes AS p
       WHERE p.tenant_id = ?1 AND p.stream = ?2 AND p.email IN (SELECT value FROM json_each(?3))
         AND p.version = (SELECT max(version) FROM postmark_pushes
                          WHERE tenant_id = p.tenant_id AND stream = p.stream AND email = p.email)`,
    )
    .bind(tenantId, stream, JSON.stringify(emails))
    .all<PushRow>();
  return results.map(toPush);
}

/**
 * Claims up to `limit` pending pushes that are due, the tenants in turn (each tenant's soonest first, then
 * the next tenant's, so one tenant's backlog never holds another's push back for more than one run): each
 * gets one more attempt and a provisional next attempt time (`leaseUntil`) written before Postmark is called,
 * so a run that dies half-way is retried later, and two overlapping runs never push the same row twice.
 */
export async function claimDuePushes(db: D1Database, at: string, limit: number, leaseUntil: string): Promise<Push[]> {
  const { results } = await db
    .prepare(
      `UPDATE postmark_pushes SET attempts = attempts + 1, last_attempt_at = ?1, next_attempt_at = ?3
       WHERE state = 'pending' AND (tenant_id, stream, email, version) IN (
         SELECT tenant_id, stream, email, version FROM (
           SELECT tenant_id, stream, email, version, next_attempt_at,
             row_number() OVER (PARTITION BY tenant_id ORDER BY next_attempt_at) AS turn
           FROM postmark_pushes WHERE state = 'pending' AND next_attempt_at <= ?1)
         ORDER BY turn, next_attempt_at LIMIT ?2)
       RETURNING *`,
    )
    .bind(at, limit, leaseUntil)
    .all<PushRow>();
  return results.map(toPush);
}

/** The most pushes one tenant may have waiting (README): beyond it, changes that push are refused with 429. */
export const MAX_PENDING_PUSHES = 5000;

/** How many of the tenant's pushes are waiting for Postmark. */
export async function pendingPushCount(db: D1Database, tenantId: string): Promise<number> {
  const row = await db
    .prepare("SELECT count(*) AS n FROM postmark_pushes WHERE tenant_id = ?1 AND state = 'pending'")
    .bind(tenantId)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

export type PushOutcome =
  | { state: "done"; message: null }
  | { state: "failed"; message: string }
  | { state: "pending"; message: string | null; nextAttemptAt: string };

/** Records one attempt's outcome; a push superseded meanwhile keeps its state. */
export function pushOutcomeStatement(db: D1Database, push: Push, outcome: PushOutcome) {
  return db
    .prepare(
      `UPDATE postmark_pushes SET state = ?5, message = ?6, next_attempt_at = ?7
       WHERE tenant_id = ?1 AND stream = ?2 AND email = ?3 AND version = ?4 AND state = 'pending'`,
    )
    .bind(
      push.tenantId,
      push.stream,
      push.email,
      push.version,
      outcome.state,
      outcome.message,
      outcome.state === "pending" ? outcome.nextAttemptAt : null,
    );
}

/** The newest push of one address (any state), or null when none was ever made. */
export async function latestPush(
  db: D1Database,
  tenantId: string,
  stream: string,
  email: string,
): Promise<PushView | null> {
  const row = await db
    .prepare(
      `SELECT action, state, attempts, requested_at, next_attempt_at, message FROM postmark_pushes
       WHERE tenant_id = ?1 AND stream = ?2 AND email = ?3 ORDER BY version DESC LIMIT 1`,
    )
    .bind(tenantId, stream, email)
    .first<PushRow>();
  return row ? toPushView(row) : null;
}

export interface PushSummary {
  pending: number;
  failed: number;
  /** The newest message of a pending or failed push, with its address. */
  lastError: { email: string; stream: string; message: string; at: string } | null;
}

/** The tenant's pending and failed pushes at a glance (GET /v1/email/postmark, the dashboard). */
export async function pushSummary(db: D1Database, tenantId: string): Promise<PushSummary> {
  const [counts, last] = await db.batch<Record<string, unknown>>([
    db
      .prepare(
        `SELECT coalesce(sum(state = 'pending'), 0) AS pending, coalesce(sum(state = 'failed'), 0) AS failed
         FROM postmark_pushes WHERE tenant_id = ?1 AND state IN ('pending', 'failed')`,
      )
      .bind(tenantId),
    db
      .prepare(
        `SELECT email, stream, message, last_attempt_at FROM postmark_pushes
         WHERE tenant_id = ?1 AND state IN ('pending', 'failed') AND message IS NOT NULL
         ORDER BY last_attempt_at DESC LIMIT 1`,
      )
      .bind(tenantId),
  ]);
  const c = counts!.results[0] as { pending: number; failed: number };
  const l = last!.results[0] as { email: string; stream: string; message: string; last_attempt_at: string } | undefined;
  return {
    pending: c.pending,
    failed: c.failed,
    lastError: l ? { email: l.email, stream: l.stream, message: l.message, at: toIsoMillis(l.last_attempt_at) } : null,
  };
}
