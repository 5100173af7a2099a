-- The deliverability guard (issue 17): per-tenant thresholds and soft-bounce policy, the last evaluated state,
-- the `soft_bounce` reason, and signed notifications to the platform (endpoint and outbox).

-- Thresholds (percent of what Postmark sent) over a rolling window, and the soft-bounce policy (off when NULL).
-- No row: the defaults of src/deliverability/policy.ts.
CREATE TABLE deliverability_policies (
  tenant_id          TEXT PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
  bounce_warning     REAL NOT NULL,
  bounce_critical    REAL NOT NULL,
  complaint_warning  REAL NOT NULL,
  complaint_critical REAL NOT NULL,
  window_days        INTEGER NOT NULL,
  min_sent           INTEGER NOT NULL,
  soft_bounce_count  INTEGER,
  soft_bounce_days   INTEGER,
  updated_at         TEXT NOT NULL,
  CHECK ((soft_bounce_count IS NULL) = (soft_bounce_days IS NULL))
);

-- The last verdict: what a deliverability.changed notification compares against. `version` grows with each
-- change of state, so two evaluations at once change it (and notify) once.
CREATE TABLE deliverability_states (
  tenant_id      TEXT PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
  state          TEXT NOT NULL CHECK (state IN ('ok', 'warning', 'critical', 'unknown')),
  version        INTEGER NOT NULL,
  sent           INTEGER,
  bounces        INTEGER,
  complaints     INTEGER,
  bounce_rate    REAL,
  complaint_rate REAL,
  window_from    TEXT NOT NULL,
  window_to      TEXT NOT NULL,
  reason         TEXT NOT NULL,
  evaluated_at   TEXT NOT NULL,
  changed_at     TEXT NOT NULL
);

-- Soft bounces of one address in a window, counted when each is stored (db/postmark-events.ts).
CREATE INDEX postmark_events_soft_bounces ON postmark_events (tenant_id, stream, email, occurred_at)
  WHERE type = 'SoftBounce' AND kind = 'bounce';

-- The new reason `soft_bounce`: SQLite cannot change a CHECK in place, so the table is rebuilt with the same
-- columns, and its indexes and triggers (as of 0007) made again.
CREATE TABLE suppressions_new (
  tenant_id      TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  email          TEXT NOT NULL,
  stream         TEXT NOT NULL,
  suppressed     INTEGER NOT NULL CHECK (suppressed IN (0, 1)),
  reason         TEXT CHECK (reason IN ('hard_bounce', 'spam_complaint', 'unsubscribe', 'manual', 'soft_bounce')),
  origin         TEXT NOT NULL CHECK (origin IN ('postmark', 'api')),
  suppressed_at  TEXT,
  bounce_type    TEXT,
  details        TEXT,
  can_reactivate INTEGER NOT NULL DEFAULT 1,
  version        TEXT NOT NULL,
  updated_at     TEXT NOT NULL,
  CHECK (reason IS NOT 'spam_complaint' OR suppressed = 1),
  PRIMARY KEY (tenant_id, email, stream)
) WITHOUT ROWID;
INSERT INTO suppressions_new
  SELECT tenant_id, email, stream, suppressed, reason, origin, suppressed_at, bounce_type, details, can_reactivate,
         version, updated_at
  FROM suppressions;
DROP TABLE suppressions;
ALTER TABLE suppressions_new RENAME TO suppressions;
CREATE INDEX suppressions_suppressed_by_stream ON suppressions (tenant_id, suppressed, stream);

CREATE TRIGGER suppressions_feed_insert AFTER INSERT ON suppressions
BEGIN
  INSERT INTO suppression_changes (tenant_id, tenant_seq, email, stream, suppressed, reason, changed_at)
  VALUES (
    NEW.tenant_id,
    (SELECT coalesce(max(tenant_seq), 0) + 1 FROM suppression_changes WHERE tenant_id = NEW.tenant_id),
    NEW.email, NEW.stream, NEW.suppressed, NEW.reason, NEW.updated_at
  );
END;

CREATE TRIGGER suppressions_feed_update AFTER UPDATE ON suppressions
WHEN OLD.suppressed IS NOT NEW.suppressed OR OLD.reason IS NOT NEW.reason
BEGIN
  INSERT INTO suppression_changes (tenant_id, tenant_seq, email, stream, suppressed, reason, changed_at)
  VALUES (
    NEW.tenant_id,
    (SELECT coalesce(max(tenant_seq), 0) + 1 FROM suppression_changes WHERE tenant_id = NEW.tenant_id),
    NEW.email, NEW.stream, NEW.suppressed, NEW.reason, NEW.updated_at
  );
END;

-- The platform's endpoint for notifications: its URL and the signing secret (whsec_...), sealed under
-- ENCRYPTION_KEY like the Postmark token (bound to the tenant id).
CREATE TABLE notification_endpoints (
  tenant_id         TEXT PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
  url               TEXT NOT NULL,
  secret_ciphertext TEXT NOT NULL,
  secret_iv         TEXT NOT NULL,
  secret_kid        TEXT NOT NULL,
  created_at        TEXT NOT NULL,
  updated_at        TEXT NOT NULL
);

-- The outbox of notifications (src/notifications/): one row per event, its id the Standard Webhooks
-- `webhook-id` (the same on every retry), retried with backoff by the scheduled handler until a 2xx or the
-- give-up. Rows are only made while the tenant has an endpoint.
CREATE TABLE notification_outbox (
  id              TEXT PRIMARY KEY,
  tenant_id       TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  -- 'address.suppressed' | 'address.reactivated' | 'deliverability.changed' | 'test'
  type            TEXT NOT NULL,
  -- the body's `data`, as JSON text
  data            TEXT NOT NULL,
  -- the body's `timestamp`: when the event happened (ISO 8601)
  occurred_at     TEXT NOT NULL,
  state           TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  created_at      TEXT NOT NULL,
  next_attempt_at TEXT,
  last_attempt_at TEXT,
  -- the endpoint's HTTP status of the last attempt, or NULL when it did not answer
  last_status     INTEGER,
  last_error      TEXT
);
CREATE INDEX notification_outbox_due ON notification_outbox (next_attempt_at) WHERE state = 'pending';
CREATE INDEX notification_outbox_by_tenant ON notification_outbox (tenant_id, created_at);

-- Every change of an address (whichever path wrote it: webhook, Queue consumer, API, import) becomes an
-- address.suppressed or address.reactivated notification in the same transaction, while an endpoint is set.
CREATE TRIGGER suppression_changes_notify AFTER INSERT ON suppression_changes
WHEN EXISTS (SELECT 1 FROM notification_endpoints WHERE tenant_id = NEW.tenant_id)
BEGIN
  INSERT INTO notification_outbox (id, tenant_id, type, data, occurred_at, state, created_at, next_attempt_at)
  VALUES (
    'msg_chg_' || NEW.seq,
    NEW.tenant_id,
    iif(NEW.suppressed, 'address.suppressed', 'address.reactivated'),
    json_object('email', NEW.email, 'stream', NEW.stream, 'reason', NEW.reason, 'changedAt', NEW.changed_at,
                'sequence', NEW.tenant_seq),
    NEW.changed_at,
    'pending',
    strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
    strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
  );
END;
