// SQL for per-tenant quotas (migrations/0008_tenant_quotas.sql): a fixed-window counter per tenant and action.
// Counting and checking in one statement keeps the limit exact under concurrent requests and across isolates.

/** What each quota allows, per tenant (README: the limits). */
export const RATE_LIMITS = {
  /** POST /v1/suppressions and DELETE /v1/suppressions/{email}: each one a push to Postmark and a feed row. */
  suppression_changes: { limit: 60, windowSeconds: 60 },
  /** POST /v1/suppressions/import and the import run by installing the webhook: each reads a whole dump. */
  imports: { limit: 10, windowSeconds: 3600 },
} as const;

export type RateLimitedAction = keyof typeof RATE_LIMITS;

/**
 * Counts one use of `action` by the tenant: null when it is within its quota, else the seconds until the
 * current window ends (for Retry-After).
 */
export async function takeQuota(
  db: D1Database,
  tenantId: string,
  action: RateLimitedAction,
  now = new Date(),
): Promise<number | null> {
  const { limit, windowSeconds } = RATE_LIMITS[action];
  const seconds = Math.floor(now.getTime() / 1000);
  const windowStart = seconds - (seconds % windowSeconds);
  const row = await db
    .prepare(
      `INSERT INTO rate_limits (tenant_id, action, window_start, used) VALUES (?1, ?2, ?3, 1)
       ON CONFLICT (tenant_id, action) DO UPDATE SET
         used = iif(rate_limits.window_start = excluded.window_start, rate_limits.used + 1, 1),
         window_start = excluded.window_start
       RETURNING used`,
    )
    .bind(tenantId, action, windowStart)
    .first<{ used: number }>();
  return (row?.used ?? 0) <= limit ? null : Math.max(1, windowStart + windowSeconds - seconds);
}
