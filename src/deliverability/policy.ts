// The deliverability policy and verdict: thresholds on the bounce and spam-complaint rates over a rolling
// window of what Postmark sent, and the soft-bounce policy. Pure: no I/O.
//
// Defaults, from the published rules:
// - spam complaints: warning at 0.1 %, critical at 0.3 %: Gmail's and Yahoo's bulk-sender requirements (2024)
//   ask senders to keep user-reported spam below 0.1 % and never reach 0.3 %;
// - bounces: warning at 5 %, critical at 10 %: Postmark reviews servers with high bounce rates and asks to keep
//   them low; figures quoted for its review range from a few percent up to 10 %.
// - a 7-day window and at least 100 sent in it before any verdict (a handful of messages says nothing).

export const DELIVERABILITY_STATES = ["ok", "warning", "critical", "unknown"] as const;
export type DeliverabilityState = (typeof DELIVERABILITY_STATES)[number];

export interface Thresholds {
  /** Percent of sent. */
  bounceRate: { warning: number; critical: number };
  /** Percent of sent. */
  complaintRate: { warning: number; critical: number };
  windowDays: number;
  minimumSent: number;
}

export interface DeliverabilityPolicy {
  thresholds: Thresholds;
  /** Suppress an address after `count` soft bounces within `withinDays` days; null: off (the default). */
  softBounces: { count: number; withinDays: number } | null;
}

export const DEFAULT_POLICY: DeliverabilityPolicy = {
  thresholds: {
    bounceRate: { warning: 5, critical: 10 },
    complaintRate: { warning: 0.1, critical: 0.3 },
    windowDays: 7,
    minimumSent: 100,
  },
  softBounces: null,
};

/** Bounds the policy's numbers are checked against (src/schemas/deliverability.ts). */
export const POLICY_LIMITS = { maxWindowDays: 45, maxSoftBounceCount: 100, maxSoftBounceDays: 45 } as const;

/** Counts in a window, as Postmark reports them. */
export interface WindowCounts {
  sent: number;
  bounces: number;
  complaints: number;
}

export interface Verdict {
  state: DeliverabilityState;
  bounceRate: number | null;
  complaintRate: number | null;
  reason: string;
}

/** A share of sent in percent, rounded to 3 decimals; null when nothing was sent. */
export const percentOf = (part: number, sent: number): number | null =>
  sent > 0 ? Math.round((part / sent) * 100_000) / 1000 : null;

/** The state for a window's counts under `thresholds`: the worse of the two rates decides. */
export function judge(thresholds: Thresholds, counts: WindowCounts): Verdict {
  const bounceRate = percentOf(counts.bounces, counts.sent);
  const complaintRate = percentOf(counts.complaints, counts.sent);
  if (counts.sent < thresholds.minimumSent) {
    return {
      state: "unknown",
      bounceRate,
      complaintRate,
      reason: `Too little mail for a verdict: ${counts.sent} sent in the window, fewer than the ${thresholds.minimumSent} required.`,
    };
  }
  const rates = [
    { name: "Bounce rate", value: bounceRate ?? 0, limits: thresholds.bounceRate },
    { name: "Spam complaint rate", value: complaintRate ?? 0, limits: thresholds.complaintRate },
  ];
  for (const level of ["critical", "warning"] as const) {
    const crossed = rates.filter((r) => r.value >= r.limits[level]);
    if (crossed.length > 0) {
      return {
        state: level,
        bounceRate,
        complaintRate,
        reason: crossed
          .map((r) => `${r.name} ${r.value} % is at or above the ${level} threshold of ${r.limits[level]} %.`)
          .join(" "),
      };
    }
  }
  return { state: "ok", bounceRate, complaintRate, reason: "Both rates are below their warning thresholds." };
}

/** Days YYYY-MM-DD in Postmark's time zone (US Eastern: its Stats API counts days there). */
const POSTMARK_DAY = new Intl.DateTimeFormat("en-CA", {
  timeZone: "America/New_York",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
});
export const postmarkDay = (at: Date): string => POSTMARK_DAY.format(at);

/** The date `days` before `date` (YYYY-MM-DD). */
export function daysBefore(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - days);
  return d.toISOString().slice(0, 10);
}

/** The rolling window ending today in Postmark's time zone, `windowDays` days long. */
export function windowEnding(now: Date, windowDays: number): { from: string; to: string } {
  const to = postmarkDay(now);
  return { from: daysBefore(to, windowDays - 1), to };
}
