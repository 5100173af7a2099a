// Postmark's echo of a change pushed from here. Postmark applies a pushed change later (up to about a minute,
// longer when it is slow) and then posts a SubscriptionChange dated when it applied it (Origin Customer).
// Ordered at that date, a late echo could undo a newer change made here in the meantime: reactivate here,
// suppress here again, then the reactivation's echo arrives dated after both and flips the address back.
// So a Customer change that matches a push from here (same address, stream and direction, dated within the
// push's window) is ordered at the version of the local change that push carried, never at its own date:
// it can then never apply over that change or anything newer, and the address converges on the local state.
// The same rule orders the entries of an import (a ManualSuppression by the Customer in the dump is dated
// when Postmark applied it, too), with one difference: an entry is taken for an echo only while the local
// state is still that push's (sync/import.ts). A webhook that is a Customer change of the same direction made
// by someone else in Postmark within that window is taken for the echo and ignored; when a newer local change
// happened within the window too (suppress here, reactivate here, then someone suppresses in Postmark), the
// list here says active while Postmark refuses the address, until the next import (or the install's) brings
// Postmark's entry in, ordered at its own date.
import { toIsoMillis, utcNow } from "../postmark/timestamps";

/** Postmark's clock and ours may disagree: an echo may be dated up to this long before we asked. */
export const ECHO_CLOCK_SKEW_MS = 5 * 60_000;
/** An echo comes at most this long after our last attempt of the push (Postmark: about a minute). */
export const ECHO_WINDOW_MS = 60 * 60_000;

export interface EchoMatch {
  action: "create" | "delete";
  /** the push's last attempt must be at or after this (7 fraction digits, like push times) */
  attemptedFrom: string;
  /** the push must have been requested at or before this */
  requestedUntil: string;
}

const shift = (timestamp: string, ms: number) => utcNow(new Date(Date.parse(toIsoMillis(timestamp)) + ms));

/** The pushes a Customer change of `action`, dated `changedAt` (7 fraction digits), may be the echo of. */
export function echoMatch(action: "create" | "delete", changedAt: string): EchoMatch {
  return {
    action,
    attemptedFrom: shift(changedAt, -ECHO_WINDOW_MS),
    requestedUntil: shift(changedAt, ECHO_CLOCK_SKEW_MS),
  };
}

/**
 * SQL: the version of the local change a Customer change is the echo of, or NULL. Placeholders, in order:
 * tenant, stream, email, action, attemptedFrom, requestedUntil (any expressions; a NULL action matches nothing).
 */
export const echoVersionSql = (
  tenant: string,
  stream: string,
  email: string,
  action: string,
  attemptedFrom: string,
  requestedUntil: string,
) =>
  `(SELECT max(p.version) FROM postmark_pushes AS p
    WHERE p.tenant_id = ${tenant} AND p.stream = ${stream} AND p.email = ${email} AND p.action = ${action}
      AND p.last_attempt_at >= ${attemptedFrom} AND p.requested_at <= ${requestedUntil})`;
