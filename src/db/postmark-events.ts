// SQL for stored Postmark events: each event once, together with its suppression change.
import { changeVersion } from "../model/suppression";
import type { PostmarkEvent } from "../postmark/classify";
import { eventTime, toIsoMillis } from "../postmark/timestamps";
import { echoMatch } from "../sync/echo";
import { softBounceStatements } from "./soft-bounces";
import { postmarkChangeStatement } from "./suppressions";

/** One delivery of an event to the webhook. */
export interface Receipt {
  /** Unique per request: ties the suppression change to the request that stored the event first. */
  id: string;
  /** UTC, 7 fraction digits (postmark/timestamps.ts). */
  receivedAt: string;
  /** The audit copy of the payload. */
  payload: string;
}

/**
 * The statements that store one event and apply its change, with no read before them: run them in one
 * `DB.batch` (a transaction), alone or after other events' statements. Storing an event twice, or in
 * any order relative to others, ends in the same state. A soft bounce also applies the tenant's soft-bounce
 * policy (db/soft-bounces.ts).
 */
export function eventStatements(
  db: D1Database,
  tenantId: string,
  event: PostmarkEvent,
  receipt: Receipt,
): D1PreparedStatement[] {
  const occurredAt = eventTime(event.occurredAt, receipt.receivedAt);
  const statements = [
    db
      .prepare(
        `INSERT INTO postmark_events (tenant_id, event_key, receipt_id, kind, type, effect, stream, email, bounce_id, message_id,
           occurred_at, day, received_at, payload)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
         ON CONFLICT (tenant_id, event_key) DO NOTHING`,
      )
      .bind(
        tenantId,
        event.key,
        receipt.id,
        event.kind,
        event.type,
        event.effect,
        event.stream,
        event.email,
        event.bounceId,
        event.messageId,
        occurredAt,
        occurredAt.slice(0, 10),
        receipt.receivedAt,
        receipt.payload,
      ),
  ];
  if (event.email !== null && event.effect !== "count") {
    statements.push(
      postmarkChangeStatement(db, {
        tenantId,
        email: event.email,
        stream: event.stream,
        suppression: event.suppression,
        suppressedAt: toIsoMillis(occurredAt),
        version: changeVersion(occurredAt, event.effect, event.key),
        updatedAt: toIsoMillis(receipt.receivedAt),
        eventKey: event.key,
        receiptId: receipt.id,
        echo: event.echoOf ? echoMatch(event.echoOf, occurredAt) : null,
      }),
    );
  }
  if (event.softBounce && event.email !== null) {
    statements.push(...softBounceStatements(db, tenantId, { ...event, email: event.email }, occurredAt, receipt));
  }
  return statements;
}

/** What committing `eventStatements` did, from their results: "duplicate" when Postmark had delivered the event before. */
export function storeOutcome(results: D1Result[]): "stored" | "duplicate" {
  return (results[0]?.meta.changes ?? 0) > 0 ? "stored" : "duplicate";
}
