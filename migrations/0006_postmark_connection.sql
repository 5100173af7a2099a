-- What this service knows about each tenant's Postmark server through the REST API (issue 11): whether the
-- saved Server API token was verified (and if not, why), which server it opens, and the webhook installed
-- there for the callback URL. One row per tenant; it goes with the settings.
CREATE TABLE postmark_connections (
  tenant_id      TEXT PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
  verified       INTEGER NOT NULL CHECK (verified IN (0, 1)),
  server_id      INTEGER,
  server_name    TEXT,
  -- why the token is not verified (Postmark unreachable, ...); NULL when verified
  reason         TEXT,
  checked_at     TEXT NOT NULL,
  -- the Postmark webhook installed by POST /v1/email/webhook/install, and its stream; NULL when none
  webhook_id     INTEGER,
  webhook_stream TEXT,
  webhook_installed_at TEXT
);

-- "Last event received" (GET /v1/email/postmark) without scanning a tenant's events.
CREATE INDEX postmark_events_by_received ON postmark_events (tenant_id, received_at);
