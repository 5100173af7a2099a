// Postmark's Stats API for the stand-in: GET /stats/outbound, /stats/outbound/sends, /stats/outbound/bounces and
// /stats/outbound/spam, counted per stream and per day of Postmark's time zone (US Eastern: "All stats use EST
// timezone"). Counts come from what went through the stand-in (each message sent to a server, each bounce it
// made) plus what a test tells it (POST /__standin/stats), so a test can stand for a day of 1,000 sends.
import { type DayCounts, queryParam, refuse, type StandInServer } from "./model.ts";

/** Counts by stream, then by day (YYYY-MM-DD in US Eastern time). */
export type StandInStats = Map<string, Map<string, DayCounts>>;

const EASTERN = new Intl.DateTimeFormat("en-CA", {
  timeZone: "America/New_York",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
});

/** The day of Postmark's time zone that `at` falls on. */
export const postmarkDay = (at: Date): string => EASTERN.format(at);

function dayCounts(stats: StandInStats, stream: string, day: string): DayCounts {
  const days = stats.get(stream) ?? new Map<string, DayCounts>();
  stats.set(stream, days);
  const counts = days.get(day) ?? { sent: 0, bounces: {}, spamComplaints: 0 };
  days.set(day, counts);
  return counts;
}

/** Records what went through the stand-in: a message sent, a bounce or a spam complaint it made. */
export function recordSent(server: StandInServer, stream: string, at = new Date()): void {
  dayCounts(server.stats, stream, postmarkDay(at)).sent += 1;
}
export function recordBounce(server: StandInServer, stream: string, type: string, at = new Date()): void {
  const counts = dayCounts(server.stats, stream, postmarkDay(at));
  if (type === "SpamComplaint") counts.spamComplaints += 1;
  else counts.bounces[type] = (counts.bounces[type] ?? 0) + 1;
}

/** POST /__standin/stats {token, stream?, date, sent?, bounces?: {Type: n}, spamComplaints?}: adds to a day. */
export function addStats(server: StandInServer, body: Record<string, unknown>): void {
  const date = body.date;
  if (typeof date !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(date)) throw refuse(0, "Give date as YYYY-MM-DD.");
  const counts = dayCounts(server.stats, typeof body.stream === "string" ? body.stream : "outbound", date);
  counts.sent += Number(body.sent ?? 0);
  counts.spamComplaints += Number(body.spamComplaints ?? 0);
  for (const [type, n] of Object.entries((body.bounces ?? {}) as Record<string, number>)) {
    counts.bounces[type] = (counts.bounces[type] ?? 0) + Number(n);
  }
}

/** The days a query selects: filtered by messagestream, fromdate and todate (inclusive), like Postmark. */
function selectedDays(server: StandInServer, query: URLSearchParams): [string, DayCounts][] {
  const stream = queryParam(query, "messagestream");
  const from = queryParam(query, "fromdate");
  const to = queryParam(query, "todate");
  for (const date of [from, to]) {
    if (date !== null && !/^\d{4}-\d{2}-\d{2}$/.test(date)) throw refuse(0, "The date format is invalid.");
  }
  const merged = new Map<string, DayCounts>();
  for (const [id, days] of server.stats) {
    if (stream && id !== stream) continue;
    for (const [day, counts] of days) {
      if ((from && day < from) || (to && day > to)) continue;
      const into = merged.get(day) ?? { sent: 0, bounces: {}, spamComplaints: 0 };
      into.sent += counts.sent;
      into.spamComplaints += counts.spamComplaints;
      for (const [type, n] of Object.entries(counts.bounces)) into.bounces[type] = (into.bounces[type] ?? 0) + n;
      merged.set(day, into);
    }
  }
  return [...merged].sort(([a], [b]) => (a < b ? -1 : 1));
}

/** Bounced, as Postmark counts it: every bounce but SMTP API errors (those never left Postmark). */
const bounced = (counts: DayCounts) =>
  Object.entries(counts.bounces).reduce((sum, [type, n]) => (type === "SMTPApiError" ? sum : sum + n), 0);
const rate = (part: number, whole: number) => (whole === 0 ? 0 : Math.round((part / whole) * 10000) / 100);

/** GET /stats/outbound/...: Postmark's answer shapes. */
export function statsRoute(server: StandInServer, what: string, query: URLSearchParams): unknown {
  const days = selectedDays(server, query);
  const total = (f: (c: DayCounts) => number) => days.reduce((sum, [, c]) => sum + f(c), 0);
  switch (what) {
    case "": {
      const sent = total((c) => c.sent);
      const bounces = total(bounced);
      const complaints = total((c) => c.spamComplaints);
      return {
        Sent: sent,
        Bounced: bounces,
        SMTPApiErrors: total((c) => c.bounces.SMTPApiError ?? 0),
        BounceRate: rate(bounces, sent),
        SpamComplaints: complaints,
        SpamComplaintsRate: rate(complaints, sent),
        Opens: 0,
        UniqueOpens: 0,
        Tracked: 0,
        WithLinkTracking: 0,
        WithOpenTracking: 0,
        TotalTrackedLinksSent: 0,
        UniqueLinksClicked: 0,
        TotalClicks: 0,
        WithClientRecorded: 0,
        WithPlatformRecorded: 0,
      };
    }
    case "sends":
      return { Days: days.map(([date, c]) => ({ Date: date, Sent: c.sent })), Sent: total((c) => c.sent) };
    case "bounces": {
      const totals: Record<string, number> = {};
      const perDay = days.map(([date, c]) => {
        for (const [type, n] of Object.entries(c.bounces)) totals[type] = (totals[type] ?? 0) + n;
        return { Date: date, ...c.bounces };
      });
      return { Days: perDay, ...totals };
    }
    case "spam":
      return {
        Days: days.map(([date, c]) => ({ Date: date, SpamComplaint: c.spamComplaints })),
        SpamComplaint: total((c) => c.spamComplaints),
      };
  }
  return undefined;
}
