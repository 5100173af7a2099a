// SQL for the bounce report.
import { isSenderCaused } from "../postmark/classify";

export interface BounceReport {
  total: number;
  byType: Record<string, number>;
  /** count: bounces; complaints: spam complaints (for the day's complaint rate). */
  byDay: { date: string; count: number; complaints: number }[];
  /** Bounces the recipient caused, and those the sender did (postmark/classify.ts: never suppressing). */
  bySource: { recipient: number; sender: number };
  spamComplaints: number;
  suppressed: number;
}

/** Bounces and spam complaints per day and type between two UTC dates (inclusive), and the current list size. */
export async function bounceReport(
  db: D1Database,
  tenantId: string,
  from: string,
  to: string,
  stream: string | null,
): Promise<BounceReport> {
  const [events, current] = await db.batch([
    db
      .prepare(
        `SELECT day, kind, type, count(*) AS n FROM postmark_events
         WHERE tenant_id = ?1 AND day BETWEEN ?2 AND ?3 AND kind IN ('bounce', 'spam_complaint') AND (?4 IS NULL OR stream = ?4)
         GROUP BY day, kind, type`,
      )
      .bind(tenantId, from, to, stream),
    db
      .prepare(
        "SELECT count(*) AS n FROM suppressions WHERE tenant_id = ?1 AND suppressed = 1 AND (?2 IS NULL OR stream = ?2)",
      )
      .bind(tenantId, stream),
  ]);
  const report: BounceReport = {
    total: 0,
    byType: {},
    byDay: [],
    bySource: { recipient: 0, sender: 0 },
    spamComplaints: 0,
    suppressed: 0,
  };
  const perDay = new Map<string, number>();
  const complaintsPerDay = new Map<string, number>();
  for (const row of events!.results as { day: string; kind: string; type: string; n: number }[]) {
    if (row.kind === "spam_complaint") {
      report.spamComplaints += row.n;
      complaintsPerDay.set(row.day, (complaintsPerDay.get(row.day) ?? 0) + row.n);
      continue;
    }
    report.total += row.n;
    report.byType[row.type] = (report.byType[row.type] ?? 0) + row.n;
    report.bySource[isSenderCaused(row.type) ? "sender" : "recipient"] += row.n;
    perDay.set(row.day, (perDay.get(row.day) ?? 0) + row.n);
  }
  for (
    let day = new Date(`${from}T00:00:00Z`);
    day.toISOString().slice(0, 10) <= to;
    day.setUTCDate(day.getUTCDate() + 1)
  ) {
    const date = day.toISOString().slice(0, 10);
    report.byDay.push({ date, count: perDay.get(date) ?? 0, complaints: complaintsPerDay.get(date) ?? 0 });
  }
  report.suppressed = (current!.results[0] as { n: number } | undefined)?.n ?? 0;
  return report;
}
