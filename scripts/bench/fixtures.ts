// Fixture rows for the suppression benches, loaded in bulk: a small generated SQL file whose recursive
// CTE makes the rows inside SQLite, run through `wrangler d1 execute --local --file` (never row by row).
import { writeFileSync } from "node:fs";
import path from "node:path";
import type { RunDirectory } from "./local-worker.ts";

/** The address of fixture row `i`: spread over 1000 domains, so the (email) order is not the insert order. */
export const fixtureEmail = (i: number) => `user${i}@fixture${i % 1000}.example`;

/**
 * Adds suppression rows `from` .. `to - 1` for `tenantId` (5% reactivated, a mix of reasons), and one
 * stored bounce event per 10 rows spread over 2026, so the report has data to group.
 */
export function loadSuppressionFixture(run: RunDirectory, tenantId: string, from: number, to: number) {
  const sql = `
WITH RECURSIVE n(i) AS (SELECT ${from} UNION ALL SELECT i + 1 FROM n WHERE i < ${to - 1})
INSERT INTO suppressions (tenant_id, email, stream, suppressed, reason, origin, suppressed_at, bounce_type, details, can_reactivate, version, updated_at)
SELECT '${tenantId}', 'user' || i || '@fixture' || (i % 1000) || '.example', 'outbound',
  iif(i % 20 = 0, 0, 1),
  CASE WHEN i % 50 = 1 THEN 'spam_complaint' WHEN i % 10 = 3 THEN 'unsubscribe' WHEN i % 25 = 7 THEN 'manual' ELSE 'hard_bounce' END,
  iif(i % 7 = 0, 'api', 'postmark'),
  '2026-01-01T00:00:00.000Z', iif(i % 10 = 3, NULL, 'HardBounce'), 'smtp;550 5.1.1 fixture', iif(i % 50 = 1, 0, 1),
  '2026-01-01T00:00:00.0000000Z|1|fixture', '2026-01-01T00:00:00.000Z'
FROM n;

WITH RECURSIVE n(i) AS (SELECT ${from} UNION ALL SELECT i + 10 FROM n WHERE i < ${to - 10})
INSERT INTO postmark_events (tenant_id, event_key, receipt_id, kind, type, effect, stream, email, bounce_id, message_id, occurred_at, day, received_at, payload)
SELECT '${tenantId}', 'bounce:' || i, 'fixture', 'bounce', iif(i % 3 = 0, 'SoftBounce', 'HardBounce'), iif(i % 3 = 0, 'count', 'suppress'),
  'outbound', 'user' || i || '@fixture' || (i % 1000) || '.example', i, NULL,
  date('2026-01-01', '+' || (i % 365) || ' days') || 'T12:00:00.0000000Z', date('2026-01-01', '+' || (i % 365) || ' days'),
  '2026-01-01T12:00:00.0000000Z', '{}'
FROM n;
`;
  const file = path.join(run.dir, `fixture-${from}-${to}.sql`);
  writeFileSync(file, sql);
  run.executeFile(file);
}
