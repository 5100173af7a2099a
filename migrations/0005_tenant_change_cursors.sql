-- Issue 9: two holes closed in stored data.

-- 1. The change feed's cursor (nextSince) was the global AUTOINCREMENT seq, so a tenant saw it jump by every
-- other tenant's changes. Each tenant now has its own sequence, tenant_seq, and the cursor is that. Rows
-- written before this migration keep their seq as tenant_seq: cursors already handed out stay valid, and
-- each tenant's next change continues after its own highest number, counting only its own changes.
ALTER TABLE suppression_changes ADD COLUMN tenant_seq INTEGER NOT NULL DEFAULT 0;
UPDATE suppression_changes SET tenant_seq = seq;
CREATE UNIQUE INDEX suppression_changes_by_tenant_seq ON suppression_changes (tenant_id, tenant_seq);
DROP INDEX suppression_changes_by_tenant;

DROP TRIGGER suppressions_feed_insert;
DROP TRIGGER suppressions_feed_update;

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

-- 2. An event dated far in the future (ChangedAt 8999-...) got a version no real event could beat, and a future
-- day in the report. The code now takes the receipt time for an event dated more than 5 minutes after its
-- receipt (src/postmark/timestamps.ts, eventTime); this applies the same rule to rows stored before.
UPDATE postmark_events
SET occurred_at = received_at, day = substr(received_at, 1, 10)
WHERE occurred_at > strftime('%Y-%m-%dT%H:%M:%f', substr(received_at, 1, 23), '+5 minutes') || '0000Z';

-- A version starts with its event's time (28 characters); updated_at is the receipt time of the last change.
UPDATE suppressions
SET version = substr(updated_at, 1, 23) || '0000Z' || substr(version, 29),
    suppressed_at = iif(suppressed_at > updated_at, updated_at, suppressed_at)
WHERE substr(version, 1, 28) > strftime('%Y-%m-%dT%H:%M:%f', substr(updated_at, 1, 23), '+5 minutes') || '0000Z';
