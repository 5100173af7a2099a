-- One row per "Send a test email" attempt: the audit trail, the per-tenant rate limit (rows of the last
-- minute are counted) and the last outcome shown with the settings. Never holds the API key.
CREATE TABLE test_sends (
  id          TEXT PRIMARY KEY,
  tenant_id   TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  recipient   TEXT NOT NULL,
  started_at  TEXT NOT NULL,
  -- where the message was sent; NULL when the attempt stopped before settings were resolved
  host        TEXT,
  port        INTEGER,
  -- 'sent' or an error code of POST /v1/email/test; NULL while the attempt is running
  outcome     TEXT,
  elapsed_ms  INTEGER,
  finished_at TEXT
);
CREATE INDEX test_sends_by_tenant_time ON test_sends (tenant_id, started_at);
