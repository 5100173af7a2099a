// SQL for the deliverability guard: each tenant's policy and its last verdict (migrations/0011).
import { DEFAULT_POLICY, type DeliverabilityPolicy, type DeliverabilityState } from "../deliverability/policy";

interface PolicyRow {
  bounce_warning: number;
  bounce_critical: number;
  complaint_warning: number;
  complaint_critical: number;
  window_days: number;
  min_sent: number;
  soft_bounce_count: number | null;
  soft_bounce_days: number | null;
}

/** The tenant's policy, or the defaults when it never saved one. */
export async function getPolicy(db: D1Database, tenantId: string): Promise<DeliverabilityPolicy> {
  const row = await db
    .prepare("SELECT * FROM deliverability_policies WHERE tenant_id = ?1")
    .bind(tenantId)
    .first<PolicyRow>();
  if (!row) return DEFAULT_POLICY;
  return {
    thresholds: {
      bounceRate: { warning: row.bounce_warning, critical: row.bounce_critical },
      complaintRate: { warning: row.complaint_warning, critical: row.complaint_critical },
      windowDays: row.window_days,
      minimumSent: row.min_sent,
    },
    softBounces:
      row.soft_bounce_count !== null && row.soft_bounce_days !== null
        ? { count: row.soft_bounce_count, withinDays: row.soft_bounce_days }
        : null,
  };
}

export async function savePolicy(db: D1Database, tenantId: string, policy: DeliverabilityPolicy, at: string) {
  const t = policy.thresholds;
  await db
    .prepare(
      `INSERT INTO deliverability_policies (tenant_id, bounce_warning, bounce_critical, complaint_warning, complaint_critical,
         window_days, min_sent, soft_bounce_count, soft_bounce_days, updated_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
       ON CONFLICT (tenant_id) DO UPDATE SET
         bounce_warning = excluded.bounce_warning, bounce_critical = excluded.bounce_critical,
         complaint_warning = excluded.complaint_warning, complaint_critical = excluded.complaint_critical,
         window_days = excluded.window_days, min_sent = excluded.min_sent,
         soft_bounce_count = excluded.soft_bounce_count, soft_bounce_days = excluded.soft_bounce_days,
         updated_at = excluded.updated_at`,
    )
    .bind(
      tenantId,
      t.bounceRate.warning,
      t.bounceRate.critical,
      t.complaintRate.warning,
      t.complaintRate.critical,
      t.windowDays,
      t.minimumSent,
      policy.softBounces?.count ?? null,
      policy.softBounces?.withinDays ?? null,
      at,
    )
    .run();
}

/** A verdict over a window, as stored and answered. */
export interface DeliverabilityReading {
  state: DeliverabilityState;
  sent: number | null;
  bounces: number | null;
  complaints: number | null;
  bounceRate: number | null;
  complaintRate: number | null;
  window: { from: string; to: string };
  reason: string;
}

export interface StoredVerdict extends DeliverabilityReading {
  version: number;
  evaluatedAt: string;
  changedAt: string;
}

interface StateRow {
  state: DeliverabilityState;
  version: number;
  sent: number | null;
  bounces: number | null;
  complaints: number | null;
  bounce_rate: number | null;
  complaint_rate: number | null;
  window_from: string;
  window_to: string;
  reason: string;
  evaluated_at: string;
  changed_at: string;
}

export async function getStoredVerdict(db: D1Database, tenantId: string): Promise<StoredVerdict | null> {
  const row = await db
    .prepare("SELECT * FROM deliverability_states WHERE tenant_id = ?1")
    .bind(tenantId)
    .first<StateRow>();
  return row
    ? {
        state: row.state,
        sent: row.sent,
        bounces: row.bounces,
        complaints: row.complaints,
        bounceRate: row.bounce_rate,
        complaintRate: row.complaint_rate,
        window: { from: row.window_from, to: row.window_to },
        reason: row.reason,
        version: row.version,
        evaluatedAt: row.evaluated_at,
        changedAt: row.changed_at,
      }
    : null;
}

/**
 * Records a verdict. When its state differs from the stored one (`previous`, read before), the change and
 * its deliverability.changed notification (while an endpoint is set) are committed together, guarded by the
 * version read: of two evaluations at once, one changes the state and notifies, the other changes nothing.
 * Returns whether this call changed the state.
 */
export async function recordVerdict(
  db: D1Database,
  tenantId: string,
  previous: StoredVerdict | null,
  reading: DeliverabilityReading,
  at: string,
): Promise<boolean> {
  // No verdict yet counts as `unknown`: a first `unknown` is no change.
  const changed = (previous?.state ?? "unknown") !== reading.state;
  const version = (previous?.version ?? 0) + (changed ? 1 : 0);
  const write = db
    .prepare(
      `INSERT INTO deliverability_states (tenant_id, state, version, sent, bounces, complaints, bounce_rate, complaint_rate,
         window_from, window_to, reason, evaluated_at, changed_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)
       ON CONFLICT (tenant_id) DO UPDATE SET
         state = excluded.state, version = excluded.version, sent = excluded.sent, bounces = excluded.bounces,
         complaints = excluded.complaints, bounce_rate = excluded.bounce_rate, complaint_rate = excluded.complaint_rate,
         window_from = excluded.window_from, window_to = excluded.window_to, reason = excluded.reason,
         evaluated_at = excluded.evaluated_at,
         changed_at = iif(deliverability_states.state = excluded.state, deliverability_states.changed_at, excluded.changed_at)
       WHERE deliverability_states.version = ?13`,
    )
    .bind(
      tenantId,
      reading.state,
      version,
      reading.sent,
      reading.bounces,
      reading.complaints,
      reading.bounceRate,
      reading.complaintRate,
      reading.window.from,
      reading.window.to,
      reading.reason,
      at,
      previous?.version ?? 0,
    );
  if (!changed) {
    await write.run();
    return false;
  }
  const data = {
    previousState: previous?.state ?? "unknown",
    state: reading.state,
    reason: reading.reason,
    sent: reading.sent,
    bounces: reading.bounces,
    complaints: reading.complaints,
    bounceRate: reading.bounceRate,
    complaintRate: reading.complaintRate,
    window: reading.window,
  };
  const [written] = await db.batch([
    write,
    // Only after the guarded write took (this version is now stored), and only while an endpoint is set.
    db
      .prepare(
        `INSERT INTO notification_outbox (id, tenant_id, type, data, occurred_at, state, created_at, next_attempt_at)
         SELECT ?2, ?1, 'deliverability.changed', ?3, ?4, 'pending', ?4, ?4
         WHERE EXISTS (SELECT 1 FROM deliverability_states WHERE tenant_id = ?1 AND version = ?5 AND state = ?6)
           AND EXISTS (SELECT 1 FROM notification_endpoints WHERE tenant_id = ?1)
         ON CONFLICT (id) DO NOTHING`,
      )
      .bind(tenantId, `msg_dlv_${tenantId}_${version}`, JSON.stringify(data), at, version, reading.state),
  ]);
  return (written?.meta.changes ?? 0) > 0;
}

/** Tenants with settings, least recently evaluated first. */
export async function tenantsToEvaluate(db: D1Database, limit: number): Promise<string[]> {
  const { results } = await db
    .prepare(
      `SELECT s.tenant_id FROM email_settings AS s LEFT JOIN deliverability_states AS d ON d.tenant_id = s.tenant_id
       ORDER BY coalesce(d.evaluated_at, '') LIMIT ?1`,
    )
    .bind(limit)
    .all<{ tenant_id: string }>();
  return results.map((r) => r.tenant_id);
}
