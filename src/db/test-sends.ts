// SQL for test-send attempts (migrations/0003_test_sends.sql): audit rows that also drive the rate limit.

export const TEST_SENDS_PER_MINUTE = 10;

/** The last finished test of a tenant, as GET /v1/email/settings shows it. */
export interface LastTestSend {
  ok: boolean;
  code: string | null;
  to: string;
  at: string;
}

export const SENT = "sent";

/**
 * Records the start of an attempt unless the tenant already made TEST_SENDS_PER_MINUTE in the last minute.
 * Counting and inserting in one statement keeps the limit exact under concurrent requests and across
 * isolates (D1 runs one write at a time). Returns the attempt id, or null when rate limited.
 */
export async function startTestSend(
  db: D1Database,
  tenantId: string,
  recipient: string,
  now = new Date(),
): Promise<string | null> {
  const id = crypto.randomUUID();
  const minuteAgo = new Date(now.getTime() - 60_000).toISOString();
  const result = await db
    .prepare(
      `INSERT INTO test_sends (id, tenant_id, recipient, started_at)
       SELECT ?1, ?2, ?3, ?4
       WHERE (SELECT COUNT(*) FROM test_sends WHERE tenant_id = ?2 AND started_at > ?5) < ?6`,
    )
    .bind(id, tenantId, recipient, now.toISOString(), minuteAgo, TEST_SENDS_PER_MINUTE)
    .run();
  return result.meta.changes > 0 ? id : null;
}

export interface TestSendResult {
  /** `SENT` or an error code */
  outcome: string;
  host: string | null;
  port: number | null;
  elapsedMs: number | null;
}

export async function finishTestSend(
  db: D1Database,
  tenantId: string,
  id: string,
  result: TestSendResult,
): Promise<void> {
  await db
    .prepare(
      `UPDATE test_sends SET outcome = ?3, host = ?4, port = ?5, elapsed_ms = ?6, finished_at = ?7
       WHERE id = ?1 AND tenant_id = ?2`,
    )
    .bind(id, tenantId, result.outcome, result.host, result.port, result.elapsedMs, new Date().toISOString())
    .run();
}

export async function lastTestSend(db: D1Database, tenantId: string): Promise<LastTestSend | null> {
  const row = await db
    .prepare(
      `SELECT recipient, outcome, finished_at FROM test_sends
       WHERE tenant_id = ?1 AND outcome IS NOT NULL ORDER BY finished_at DESC, started_at DESC LIMIT 1`,
    )
    .bind(tenantId)
    .first<{ recipient: string; outcome: string; finished_at: string }>();
  if (!row) return null;
  const ok = row.outcome === SENT;
  return { ok, code: ok ? null : row.outcome, to: row.recipient, at: row.finished_at };
}
