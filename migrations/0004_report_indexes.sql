-- The bounce report reads only these columns: covering indexes answer it without touching the rows
-- (events carry their payload). The events index keeps by_day's prefix, so by_day is no longer needed.
CREATE INDEX postmark_events_report ON postmark_events (tenant_id, day, kind, type, stream);
DROP INDEX postmark_events_by_day;
CREATE INDEX suppressions_suppressed_by_stream ON suppressions (tenant_id, suppressed, stream);
