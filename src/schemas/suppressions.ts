import * as v from "valibot";
import { emailAddress, messageStream } from "./common";

export const SUPPRESSION_REASONS = ["hard_bounce", "spam_complaint", "unsubscribe", "manual"] as const;
const MAX_ADDRESSES = 1000;

const reason = v.picklist(SUPPRESSION_REASONS, `must be one of ${SUPPRESSION_REASONS.join(", ")}`);
const stream = v.optional(messageStream, "outbound");
/** A query-string limit: digits only, 1..max. */
const limit = (fallback: number, max: number) =>
  v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d{1,7}$/, `must be a whole number from 1 to ${max}`),
      v.transform(Number),
      v.minValue(1, `must be a whole number from 1 to ${max}`),
      v.maxValue(max, `must be a whole number from 1 to ${max}`),
    ),
    String(fallback),
  );

/** GET /v1/suppressions and GET /v1/suppressions.csv */
export const SuppressionListQuery = v.object({
  email: v.optional(v.pipe(v.string(), v.trim(), v.toLowerCase(), v.maxLength(320, "must be at most 320 characters"))),
  reason: v.optional(reason),
  stream: v.optional(messageStream),
  limit: limit(50, 1000),
  cursor: v.optional(v.string()),
});

/** ?stream= on the routes about one address. */
export const StreamQuery = v.object({ stream });

/** POST /v1/suppressions/check: any strings may be asked about; only suppressed ones come back. */
export const SuppressionCheckInput = v.object({
  emails: v.pipe(
    v.array(
      v.pipe(v.string("must be a string"), v.maxLength(320, "must be at most 320 characters")),
      "must be a list of addresses",
    ),
    v.maxLength(MAX_ADDRESSES, `must hold at most ${MAX_ADDRESSES} addresses`),
  ),
  stream,
});

/** POST /v1/suppressions: suppress addresses by hand. */
export const SuppressionAddInput = v.object({
  emails: v.pipe(
    v.array(emailAddress, "must be a list of addresses"),
    v.minLength(1, "must hold at least one address"),
    v.maxLength(MAX_ADDRESSES, `must hold at most ${MAX_ADDRESSES} addresses`),
  ),
  stream,
  reason: v.optional(v.picklist(["manual", "unsubscribe"], 'must be "manual" or "unsubscribe"'), "manual"),
});

/** POST /v1/suppressions/import: the stream defaults to the settings' stream. */
export const SuppressionImportInput = v.object({ stream: v.optional(messageStream) });

/** GET /v1/suppressions/changes */
export const ChangesQuery = v.object({
  since: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d{1,15}$/, "must be a nextSince value from an earlier answer (or 0)"),
      v.transform(Number),
    ),
    "0",
  ),
  limit: limit(100, 1000),
});

const DATE = /^\d{4}-\d{2}-\d{2}(T.*)?$/;
const date = v.optional(v.pipe(v.string(), v.regex(DATE, "must be a date such as 2026-11-26")));

/** GET /v1/reports/bounces */
export const BounceReportQuery = v.object({ from: date, to: date, stream: v.optional(messageStream) });
