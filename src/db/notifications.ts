// SQL for notifications to the platform: the tenant's endpoint (secret sealed) and the outbox (migrations/0011).
import type { SealedSecret } from "../crypto/secret-box";

export interface NotificationEndpoint {
  url: string;
  secret: SealedSecret;
  createdAt: string;
  updatedAt: string;
}

interface EndpointRow {
  url: string;
  secret_ciphertext: string;
  secret_iv: string;
  secret_kid: string;
  created_at: string;
  updated_at: string;
}

export async function getEndpoint(db: D1Database, tenantId: string): Promise<NotificationEndpoint | null> {
  const row = await db
    .prepare("SELECT * FROM notification_endpoints WHERE tenant_id = ?1")
    .bind(tenantId)
    .first<EndpointRow>();
  return row
    ? {
        url: row.url,
        secret: { ciphertext: row.secret_ciphertext, iv: row.secret_iv, kid: row.secret_kid },
        createdAt: row.created_at,
        updatedAt: row.updated_at,
      }
    : null;
}

/** Sets the endpoint's URL, and its secret when `secret` is given (a new endpoint, or a rotation). */
export async function saveEndpoint(
  db: D1Database,
  tenantId: string,
  url: string,
  secret: SealedSecret | null,
  at: string,
): Promise<void> {
  if (secret) {
    await db
      .prepare(
        `INSERT INTO notification_endpoints (tenant_id, url, secret_ciphertext, secret_iv, secret_kid, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
         ON CONFLICT (tenant_id) DO UPDATE SET url = excluded.url, secret_ciphertext = excluded.secret_ciphertext,
           secret_iv = excluded.secret_iv, secret_kid = excluded.secret_kid, updated_at = excluded.updated_at`,
      )
      .bind(tenantId, url, secret.ciphertext, secret.iv, secret.kid, at)
      .run();
  } else {
    await db
      .prepare("UPDATE notification_endpoints SET url = ?2, updated_at = ?3 WHERE tenant_id = ?1")
      .bind(tenantId, url, at)
      .run();
  }
}

/** Removes the endpoint; notifications not yet delivered are given up. Returns whether there was one. */
export async function deleteEndpoint(db: D1Database, tenantId: string): Promise<boolean> {
  const [deleted] = await db.batch([
    db.prepare("DELETE FROM notification_endpoints WHERE tenant_id = ?1").bind(tenantId),
    db
      .prepare(
        `UPDATE notification_outbox SET state = 'failed', next_attempt_at = NULL, last_error = 'The endpoint was removed.'
         WHERE tenant_id = ?1 AND state = 'pending'`,
      )
      .bind(tenantId),
  ]);
  return (deleted?.meta.changes ?? 0) > 0;
}

export type NotificationState = "pending" | "delivered" | "failed";

export interface Notification {
  id: string;
  tenantId: string;
  type: string;
  /** The body's `data` as JSON text. */
  data: string;
  occurredAt: string;
  state: NotificationState;
  attempts: number;
  createdAt: string;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  lastStatus: number | null;
  lastError: string | null;
}

interface NotificationRow {
  id: string;
  tenant_id: string;
  type: string;
  data: string;
  occurred_at: string;
  state: NotificationState;
  attempts: number;
  created_at: string;
  next_attempt_at: string | null;
  last_attempt_at: string | null;
  last_status: number | null;
  last_error: string | null;
}

const toNotification = (r: NotificationRow): Notification => ({
  id: r.id,
  tenantId: r.tenant_id,
  type: r.type,
  data: r.data,
  occurredAt: r.occurred_at,
  state: r.state,
  attempts: r.attempts,
  createdAt: r.created_at,
  nextAttemptAt: r.next_attempt_at,
  lastAttemptAt: r.last_attempt_at,
  lastStatus: r.last_status,
  lastError: r.last_error,
});

/** At most this many test notifications a tenant may send a minute (each is a request to its endpoint). */
export const TEST_NOTIFICATIONS_PER_MINUTE = 10;

/**
 * Adds a test notification to the outbox, due now, unless the tenant sent TEST_NOTIFICATIONS_PER_MINUTE in the
 * last minute (one statement, so parallel requests cannot both slip under it). Returns whether it was added.
 */
export async function enqueueTestNotification(
  db: D1Database,
  n: { id: string; tenantId: string; data: unknown; at: Date },
): Promise<boolean> {
  const at = n.at.toISOString();
  const minuteAgo = new Date(n.at.getTime() - 60_000).toISOString();
  const result = await db
    .prepare(
      `INSERT INTO notification_outbox (id, tenant_id, type, data, occurred_at, state, created_at, next_attempt_at)
       SELECT ?1, ?2, 'test', ?3, ?4, 'pending', ?4, ?4
       WHERE (SELECT count(*) FROM notification_outbox WHERE tenant_id = ?2 AND type = 'test' AND created_at > ?5) < ?6`,
    )
    .bind(n.id, n.tenantId, JSON.stringify(n.data), at, minuteAgo, TEST_NOTIFICATIONS_PER_MINUTE)
    .run();
  return result.meta.changes > 0;
}

/**
 * Claims up to `limit` due notifications (of one tenant, or of all): each gets one more attempt and a
 * provisional next attempt (`leaseUntil`) before it is sent, so a run that dies is retried, and two runs at
 * once never send the same one twice.
 */
export async function claimDueNotifications(
  db: D1Database,
  at: string,
  limit: number,
  leaseUntil: string,
  only: { tenantId: string; id: string } | null = null,
): Promise<Notification[]> {
  const { results } = await db
    .prepare(
      `UPDATE notification_outbox SET attempts = attempts + 1, last_attempt_at = ?1, next_attempt_at = ?3
       WHERE state = 'pending' AND id IN (
         SELECT id FROM notification_outbox
         WHERE state = 'pending' AND next_attempt_at <= ?1 AND (?4 IS NULL OR (tenant_id = ?4 AND id = ?5))
         ORDER BY next_attempt_at LIMIT ?2)
       RETURNING *`,
    )
    .bind(at, limit, leaseUntil, only?.tenantId ?? null, only?.id ?? null)
    .all<NotificationRow>();
  return results.map(toNotification);
}

export type NotificationOutcome =
  | { state: "delivered"; status: number }
  | { state: "failed"; status: number | null; error: string }
  | { state: "pending"; status: number | null; error: string; nextAttemptAt: string };

export async function recordNotificationOutcome(db: D1Database, n: Notification, outcome: NotificationOutcome) {
  await db
    .prepare(
      `UPDATE notification_outbox SET state = ?3, last_status = ?4, last_error = ?5, next_attempt_at = ?6
       WHERE tenant_id = ?1 AND id = ?2 AND state = 'pending'`,
    )
    .bind(
      n.tenantId,
      n.id,
      outcome.state,
      outcome.status,
      outcome.state === "delivered" ? null : outcome.error,
      outcome.state === "pending" ? outcome.nextAttemptAt : null,
    )
    .run();
}

/** The tenant's newest notifications, newest first. */
export async function recentNotifications(db: D1Database, tenantId: string, limit: number): Promise<Notification[]> {
  const { results } = await db
    .prepare("SELECT * FROM notification_outbox WHERE tenant_id = ?1 ORDER BY created_at DESC, id DESC LIMIT ?2")
    .bind(tenantId, limit)
    .all<NotificationRow>();
  return results.map(toNotification);
}

export async function getNotification(db: D1Database, tenantId: string, id: string): Promise<Notification | null> {
  const row = await db
    .prepare("SELECT * FROM notification_outbox WHERE tenant_id = ?1 AND id = ?2")
    .bind(tenantId, id)
    .first<NotificationRow>();
  return row ? toNotification(row) : null;
}
