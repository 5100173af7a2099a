// The bounce report's rates: its per-day counts (received here through the webhook) set against what Postmark
// sent each day (its Stats API). Postmark counts days in US Eastern time and the report in UTC: Postmark's
// day D (04:00 or 05:00 UTC on D to the same hour on D+1) is set against the report's UTC day D, so a day's rate
// can be off by the mail of those hours; over a range only its two ends differ. Postmark's answer is kept for
// a minute per isolate, so a dashboard's reloads do not ask Postmark each time.
import { loadConfig } from "../config";
import type { EmailSettings } from "../db/email-settings";
import type { BounceReport } from "../db/reports";
import { PostmarkRefused, PostmarkUnavailable, postmarkApi } from "../postmark/api/client";
import { percentOf } from "./policy";

const CACHE_MS = 60_000;
const CACHE_ENTRIES = 500;
const sentCache = new Map<string, { at: number; sent: Map<string, number> }>();

async function sentPerDay(
  env: Env,
  settings: EmailSettings,
  stream: string | null,
  from: string,
  to: string,
): Promise<Map<string, number>> {
  const key = JSON.stringify([settings.tenantId, settings.updatedAt, stream, from, to]);
  const cached = sentCache.get(key);
  if (cached && Date.now() - cached.at < CACHE_MS) return cached.sent;
  const token = await (await loadConfig(env)).keyring.open(settings.apiKey, settings.tenantId);
  const answer = await postmarkApi(env, token).sentCounts({ stream, from, to });
  const sent = new Map(answer.Days.map((d) => [d.Date.slice(0, 10), d.Sent]));
  if (sentCache.size >= CACHE_ENTRIES) sentCache.delete(sentCache.keys().next().value!);
  sentCache.set(key, { at: Date.now(), sent });
  return sent;
}

export interface ReportRates {
  sent: number | null;
  bounceRate: number | null;
  complaintRate: number | null;
  /** Why there are no rates (no settings, Postmark not asked); null when there are. */
  ratesReason: string | null;
  byDay: (BounceReport["byDay"][number] & {
    sent: number | null;
    bounceRate: number | null;
    complaintRate: number | null;
  })[];
}

/** The report's days with what Postmark sent and the rates (percent of sent; null where nothing was sent). */
export async function withRates(
  env: Env,
  settings: EmailSettings | null,
  report: BounceReport,
  range: { from: string; to: string; stream: string | null },
): Promise<ReportRates> {
  let sent: Map<string, number> | null = null;
  let ratesReason: string | null = null;
  if (!settings) ratesReason = "Email is not set up: Postmark cannot be asked what was sent.";
  else {
    try {
      sent = await sentPerDay(env, settings, range.stream, range.from, range.to);
    } catch (err) {
      if (err instanceof PostmarkRefused) {
        ratesReason = `Postmark refused the stats request (HTTP ${err.status}, ErrorCode ${err.errorCode}): ${err.message}`;
      } else if (err instanceof PostmarkUnavailable) {
        ratesReason = `Postmark could not be asked what was sent: ${err.reason}`;
      } else throw err;
    }
  }
  const byDay = report.byDay.map((day) => {
    const daySent = sent ? (sent.get(day.date) ?? 0) : null;
    return {
      ...day,
      sent: daySent,
      bounceRate: daySent === null ? null : percentOf(day.count, daySent),
      complaintRate: daySent === null ? null : percentOf(day.complaints, daySent),
    };
  });
  const total = sent ? byDay.reduce((sum, d) => sum + (d.sent ?? 0), 0) : null;
  return {
    sent: total,
    bounceRate: total === null ? null : percentOf(report.total, total),
    complaintRate: total === null ? null : percentOf(report.spamComplaints, total),
    ratesReason,
    byDay,
  };
}
