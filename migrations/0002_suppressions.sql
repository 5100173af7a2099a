-- Postmark webhooks, the suppression list and its change feed (issue 4).

-- Per-tenant HTTP Basic credentials for the Postmark callback URL. The current row has expires_at NULL;
-- a rotation gives the superseded rows 24 hours to live, so the URL configured in Postmark keeps working
-- while it is being replaced. The password is kept as a SHA-256 hash (checked on every webhook) and sealed
-- under ENCRYPTION_KEY (shown on the settings page); random rather than derived from the key, so rotating
-- ENCRYPTION_KEY does not silently break every tenant's callback URL.
CREATE TABLE webhook_credentials (
  id                  TEXT PRIMARY KEY,
  tenant_id           TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  username            TEXT NOT NULL,
  password_hash       TEXT NOT NULL,
  password_ciphertext TEXT NOT NULL,
  password_iv         TEXT NOT NULL,
  password_kid        TEXT NOT NULL,
  created_at          TEXT NOT NULL,
  expires_at          TEXT
);
CREATE INDEX webhook_credentials_by_tenant ON webhook_credentials (tenant_id);
CREATE UNIQUE INDEX webhook_credentials_one_current ON webhook_credentials (tenant_id) WHERE expires_at IS NULL;

-- Every stored Postmark event (bounces, spam complaints, subscription changes), once: event_key is the
-- bounce ID, or for events without one a key built from the event's own fields. receipt_id names the
-- request that stored the row first, so the suppression change of that request alone takes effect.
CREATE TABLE postmark_events (
  tenant_id   TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  event_key   TEXT NOT NULL,
  receipt_id  TEXT NOT NULL,
  -- 'bounce' | 'spam_complaint' | 'subscription_change'
  kind        TEXT NOT NULL,
  -- Postmark's bounce Type, or the SuppressionReason of a subscription change
  type        TEXT NOT NULL,
  -- 'suppress' | 'reactivate' | 'count'
  effect      TEXT NOT NULL,
  stream      TEXT NOT NULL,
  email       TEXT,
  bounce_id   TEXT,
  message_id  TEXT,
  -- the event's own time in UTC (received_at when the payload has none); day is its UTC date
  occurred_at TEXT NOT NULL,
  day         TEXT NOT NULL,
  received_at TEXT NOT NULL,
  -- the payload as received, minus a large Content dump
  payload     TEXT NOT NULL,
  PRIMARY KEY (tenant_id, event_key)
) WITHOUT ROWID;
CREATE INDEX postmark_events_by_day ON postmark_events (tenant_id, day);

-- The suppression state of each address a tenant has heard of, per message stream. Reactivated addresses
-- stay as rows with suppressed = 0, so a late, older bounce cannot re-suppress them (see version).
CREATE TABLE suppressions (
  tenant_id      TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  -- normalised: trimmed and lower-cased
  email          TEXT NOT NULL,
  stream         TEXT NOT NULL,
  suppressed     INTEGER NOT NULL CHECK (suppressed IN (0, 1)),
  -- the last suppression (kept after a reactivation; NULL if the address was only ever reactivated)
  reason         TEXT CHECK (reason IN ('hard_bounce', 'spam_complaint', 'unsubscribe', 'manual')),
  origin         TEXT NOT NULL CHECK (origin IN ('postmark', 'api')),
  suppressed_at  TEXT,
  bounce_type    TEXT,
  details        TEXT,
  can_reactivate INTEGER NOT NULL DEFAULT 1,
  -- Orders changes: "<UTC time, 7 fraction digits>|<rank>|<event key>". A change applies only when its
  -- version is greater, so events applied in any order, or replayed, end in the same state.
  version        TEXT NOT NULL,
  updated_at     TEXT NOT NULL,
  -- a spam complaint is final: nothing reactivates it
  CHECK (reason IS NOT 'spam_complaint' OR suppressed = 1),
  PRIMARY KEY (tenant_id, email, stream)
) WITHOUT ROWID;

-- The change feed (GET /v1/suppressions/changes): one row per change of an address's state, kept by
-- triggers so that every writer (webhook, API) feeds it and a no-op write does not.
CREATE TABLE suppression_changes (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  email      TEXT NOT NULL,
  stream     TEXT NOT NULL,
  suppressed INTEGER NOT NULL,
  reason     TEXT,
  changed_at TEXT NOT NULL
);
CREATE INDEX suppression_changes_by_tenant ON suppression_changes (tenant_id, seq);

CREATE TRIGGER suppressions_feed_insert AFTER INSERT ON suppressions
BEGIN
  INSERT INTO suppression_changes (tenant_id, email, stream, suppressed, reason, changed_at)
  VALUES (NEW.tenant_id, NEW.email, NEW.stream, NEW.suppressed, NEW.reason, NEW.updated_at);
END;

CREATE TRIGGER suppressions_feed_update AFTER UPDATE ON suppressions
WHEN OLD.suppressed IS NOT NEW.suppressed OR OLD.reason IS NOT NEW.reason
BEGIN
  INSERT INTO suppression_changes (tenant_id, email, stream, suppressed, reason, changed_at)
  VALUES (NEW.tenant_id, NEW.email, NEW.stream, NEW.suppressed, NEW.reason, NEW.updated_at);
END;
