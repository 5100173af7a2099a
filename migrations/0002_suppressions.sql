-- Addresses that must not be mailed, per tenant and message stream.
CREATE TABLE suppressions (
  tenant_id      TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  stream         TEXT NOT NULL,
  -- normalised: trimmed and lower-cased
  email          TEXT NOT NULL,
  reason         TEXT NOT NULL CHECK (reason IN ('hard_bounce', 'spam_complaint', 'unsubscribe', 'manual')),
  origin         TEXT NOT NULL CHECK (origin IN ('postmark', 'api')),
  suppressed_at  TEXT NOT NULL,
  bounce_type    TEXT,
  details        TEXT,
  can_reactivate INTEGER NOT NULL DEFAULT 1,
  PRIMARY KEY (tenant_id, stream, email)
) WITHOUT ROWID;
