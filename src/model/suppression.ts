// The suppression model: the words and rules every layer shares (the API's schemas, the Postmark classifier,
// the SQL, the dashboard). Pure: no I/O, no imports. migrations/0011_deliverability_guard.sql repeats the reasons in a
// CHECK constraint; test/suppression-model.test.ts keeps the two (and the dashboard) in agreement.

/** Why an address is on the list. */
export const SUPPRESSION_REASONS = ["hard_bounce", "spam_complaint", "unsubscribe", "manual", "soft_bounce"] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

/** The message stream of an event or request that names none: Postmark's default transactional stream. */
export const DEFAULT_STREAM = "outbound";

/** A Postmark message stream id, e.g. "outbound" or "broadcast". */
export const STREAM_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;

/** What a change does to an address; at the very same instant a suppression outranks a reactivation. */
export type ChangeEffect = "suppress" | "reactivate";
const RANK: Record<ChangeEffect, string> = { reactivate: "0", suppress: "1" };

/**
 * The version that orders changes to one address: "<UTC time, 7 fraction digits>|<rank>|<source>", where
 * source is the Postmark event's key or "api". A change applies only over a smaller version (text order is
 * time order), so changes applied in any order, or replayed, end in the same state.
 */
export function changeVersion(at: string, effect: ChangeEffect, source: string): string {
  return `${at}|${RANK[effect]}|${source}`;
}
