-- Keeping the suppression list and Postmark's in sync (issue 11): the outbox of local changes to push to
-- Postmark, and each tenant's last import and last sync error.

-- The outbox. A local change (a reactivation or an address added by hand) and its row here are committed in
-- one D1 batch before Postmark is called, so an outage loses nothing: pending rows are retried with backoff by
-- the scheduled handler. `version` is the local change's version (suppressions.version): Postmark's echo of
-- the change (a SubscriptionChange with Origin Customer) is ordered at it, so the echo converges however late
-- it comes (src/sync/echo.ts).
CREATE TABLE postmark_pushes (
  tenant_id       TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  stream          TEXT NOT NULL,
  -- normalised, as in suppressions
  email           TEXT NOT NULL,
  version         TEXT NOT NULL,
  -- 'create': suppress in Postmark; 'delete': take off Postmark's list
  action          TEXT NOT NULL CHECK (action IN ('create', 'delete')),
  -- 'pending' (to try, at next_attempt_at), 'done' (Postmark accepted it), 'failed' (Postmark refused this
  -- address, or the retries ran out), 'superseded' (a newer local change of the address replaced it)
  state           TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed', 'superseded')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  -- times in UTC with 7 fraction digits, like versions, so they compare as text with Postmark's timestamps
  requested_at    TEXT NOT NULL,
  last_attempt_at TEXT,
  next_attempt_at TEXT,
  -- Postmark's message for a failed address, or the last error of a pending push
  message         TEXT,
  PRIMARY KEY (tenant_id, stream, email, version)
) WITHOUT ROWID;
-- The scheduled handler's queue: pending pushes of every tenant, soonest first.
CREATE INDEX postmark_pushes_due ON postmark_pushes (next_attempt_at) WHERE state = 'pending';
CREATE INDEX postmark_pushes_by_state ON postmark_pushes (tenant_id, state);

-- One row per tenant that has imported or pushed: what GET /v1/email/postmark and the dashboard show.
CREATE TABLE postmark_sync (
  tenant_id           TEXT PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
  last_import_at      TEXT,
  last_import_stream  TEXT,
  last_import_seen    INTEGER,
  last_import_added   INTEGER,
  last_import_already INTEGER,
  last_error          TEXT,
  last_error_at       TEXT
);
