-- Per-tenant quotas (issue 20): a fixed-window counter per tenant and action, so one tenant cannot flood the
-- shared database, Postmark or the outbox (src/db/rate-limits.ts). One row per tenant and action.
CREATE TABLE rate_limits (
  tenant_id    TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  -- 'suppression_changes' (adds and reactivations) or 'imports'
  action       TEXT NOT NULL,
  -- start of the current window, seconds since the epoch
  window_start INTEGER NOT NULL,
  used         INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, action)
) WITHOUT ROWID;

-- The fair claim of due pushes (src/db/postmark-pushes.ts) numbers each tenant's due pushes in turn.
CREATE INDEX postmark_pushes_due_by_tenant ON postmark_pushes (tenant_id, next_attempt_at) WHERE state = 'pending';
