// The soft-bounce policy as SQL: after N soft bounces of an address within D days, it is suppressed as
// `soft_bounce`. Part of an event's statements (db/postmark-events.ts), so it rides along whichever path
// commits them (the webhook, a Queue consumer), with no read before it.
import { changeVersion } from "../model/suppression";
import type { PostmarkEvent } from "../postmark/classify";
import { toIsoMillis } from "../postmark/timestamps";
import type { Receipt } from "./postmark-events";

/** "<UTC time, 7 fraction digits>" minus `days` (SQL over ?days), for windows on postmark_events.occurred_at. */
const minusDays = (at: string, days: string) =>
  `strftime('%Y-%m-%dT%H:%M:%f', substr(${at}, 1, 23), '-' || ${days} || ' days') || '0000Z'`;

/**
 * After the statement that stored `event` (a soft bounce of an address): suppresses the address as
 * `soft_bounce` when the tenant's policy is on and this was the Nth soft bounce within D days before it,
 * counting only bounces after the address's last reactivation. It applies only if this request stored the
 * event (a redelivered bounce counts nothing twice, since the event row is stored once), only over an older
 * version, and never over an address already suppressed for another reason. A suppression made here is
 * pushed to Postmark like one added by hand (a pending outbox row; the scheduled handler sends it), when the
 * tenant has settings.
 */
export function softBounceStatements(
  db: D1Database,
  tenantId: string,
  event: PostmarkEvent & { email: string },
  occurredAt: string,
  receipt: Receipt,
): D1PreparedStatement[] {
  const version = changeVersion(occurredAt, "suppress", event.key);
  return [
    db
      .prepare(
        `INSERT INTO suppressions (tenant_id, email, stream, suppressed, reason, origin, suppressed_at, bounce_type, details,
           can_reactivate, version, updated_at)
         SELECT ?1, ?2, ?3, 1, 'soft_bounce', 'postmark', ?4, 'SoftBounce',
           p.soft_bounce_count || ' soft bounces within ' || p.soft_bounce_days || ' days', 1, ?5, ?6
         FROM deliverability_policies AS p
         WHERE p.tenant_id = ?1 AND p.soft_bounce_count IS NOT NULL
           AND EXISTS (SELECT 1 FROM postmark_events WHERE tenant_id = ?1 AND event_key = ?7 AND receipt_id = ?8)
           AND p.soft_bounce_count <= (
             SELECT count(*) FROM postmark_events AS e
             WHERE e.tenant_id = ?1 AND e.stream = ?3 AND e.email = ?2 AND e.type = 'SoftBounce' AND e.kind = 'bounce'
               AND e.occurred_at <= ?9 AND e.occurred_at > ${minusDays("?9", "p.soft_bounce_days")}
               AND e.occurred_at > coalesce((SELECT substr(s.version, 1, 28) FROM suppressions AS s
                                             WHERE s.tenant_id = ?1 AND s.email = ?2 AND s.stream = ?3
                                               AND s.suppressed = 0), ''))
         ON CONFLICT (tenant_id, email, stream) DO UPDATE SET
           suppressed = 1, reason = 'soft_bounce', origin = 'postmark', suppressed_at = excluded.suppressed_at,
           bounce_type = excluded.bounce_type, details = excluded.details, can_reactivate = 1,
           version = excluded.version, updated_at = excluded.updated_at
         WHERE suppressions.suppressed = 0 AND suppressions.version < excluded.version`,
      )
      .bind(
        tenantId,
        event.email,
        event.stream,
        toIsoMillis(occurredAt),
        version,
        toIsoMillis(receipt.receivedAt),
        event.key,
        receipt.id,
        occurredAt,
      ),
    // Postmark is told like a suppression added by hand (an echo of it is ordered at this version).
    db
      .prepare(
        `INSERT INTO postmark_pushes (tenant_id, stream, email, version, action, state, attempts, requested_at, next_attempt_at)
         SELECT s.tenant_id, s.stream, s.email, s.version, 'create', 'pending', 0, ?4, ?4 FROM suppressions AS s
         WHERE s.tenant_id = ?1 AND s.email = ?2 AND s.stream = ?3 AND s.version = ?5 AND s.suppressed = 1
           AND s.reason = 'soft_bounce' AND EXISTS (SELECT 1 FROM email_settings WHERE tenant_id = ?1)
         ON CONFLICT (tenant_id, stream, email, version) DO NOTHING`,
      )
      .bind(tenantId, event.email, event.stream, receipt.receivedAt, version),
  ];
}
