// Dead letters: Postmark events the queue consumer could not store after its retries (migration 0009).
import type { DeadLetterMessage, EventMessage } from "../queue/postmark-events";
import { eventStatements } from "./postmark-events";

export interface DeadLetter {
  id: string;
  tenantId: string;
  eventKey: string;
  kind: string;
  lastError: string;
  attempts: number;
  deadAt: string;
  replayedAt: string | null;
}

/** Keeps one dead letter; the same letter delivered again (same receipt) is kept once. */
export function keepDeadLetterStatement(db: D1Database, letter: DeadLetterMessage, now: Date): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO dead_letters (id, tenant_id, message, last_error, attempts, dead_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
       ON CONFLICT (id) DO UPDATE SET last_error = excluded.last_error, attempts = excluded.attempts
       WHERE dead_letters.replayed_at IS NULL`,
    )
    .bind(
      letter.message.receipt.id,
      letter.message.tenantId,
      JSON.stringify(letter.message),
      letter.lastError.slice(0, 2000),
      letter.attempts,
      now.toISOString(),
    );
}

interface Row {
  id: string;
  tenant_id: string;
  message: string;
  last_error: string;
  attempts: number;
  dead_at: string;
  replayed_at: string | null;
}

const toDeadLetter = (r: Row): DeadLetter => {
  const m = JSON.parse(r.message) as EventMessage;
  return {
    id: r.id,
    tenantId: r.tenant_id,
    eventKey: m.event.key,
    kind: m.event.kind,
    lastError: r.last_error,
    attempts: r.attempts,
    deadAt: r.dead_at,
    replayedAt: r.replayed_at,
  };
};

/** Dead letters, oldest first; `pending` only those not replayed yet. */
export async function listDeadLetters(db: D1Database, pending: boolean, limit: number): Promise<DeadLetter[]> {
  const { results } = await db
    .prepare(`SELECT * FROM dead_letters WHERE (?1 = 0 OR replayed_at IS NULL) ORDER BY dead_at, id LIMIT ?2`)
    .bind(pending ? 1 : 0, limit)
    .all<Row>();
  return results.map(toDeadLetter);
}

/**
 * Commits up to `limit` pending dead letters, oldest first, each with the same idempotent statements as the
 * consumer and its replayed_at in the same transaction: replaying again changes nothing.
 */
export async function replayDeadLetters(
  db: D1Database,
  limit: number,
  now: Date,
): Promise<{ replayed: number; failed: { id: string; error: string }[]; remaining: number }> {
  const { results } = await db
    .prepare("SELECT * FROM dead_letters WHERE replayed_at IS NULL ORDER BY dead_at, id LIMIT ?1")
    .bind(limit)
    .all<Row>();
  let replayed = 0;
  const failed: { id: string; error: string }[] = [];
  for (const row of results) {
    const m = JSON.parse(row.message) as EventMessage;
    try {
      await db.batch([
        ...eventStatements(db, m.tenantId, m.event, m.receipt),
        db
          .prepare("UPDATE dead_letters SET replayed_at = ?2 WHERE id = ?1 AND replayed_at IS NULL")
          .bind(row.id, now.toISOString()),
      ]);
      replayed++;
    } catch (error) {
      failed.push({ id: row.id, error: error instanceof Error ? error.message : String(error) });
    }
  }
  const left = await db
    .prepare("SELECT count(*) AS n FROM dead_letters WHERE replayed_at IS NULL")
    .first<{ n: number }>();
  return { replayed, failed, remaining: left?.n ?? 0 };
}
