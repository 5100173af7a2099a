// The suppression list and the bounce report: their query and body schemas and their routes.
import * as v from "valibot";
import { normaliseEmail } from "../email-address";
import { DEFAULT_STREAM, SUPPRESSION_REASONS } from "../model/suppression";
import { toUtcTimestamp } from "../postmark/timestamps";
import { emailAddress, messageStream } from "./common";
import { declareRoute } from "./route";

const MAX_ADDRESSES = 1000;

const reason = v.picklist(SUPPRESSION_REASONS, `must be one of ${SUPPRESSION_REASONS.join(", ")}`);
const stream = v.optional(messageStream, DEFAULT_STREAM);
/** A query-string limit: digits only, 1..max. */
export const limit = (fallback: number, max: number) =>
  v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d{1,7}$/, `must be a whole number from 1 to ${max}`),
      v.transform(Number),
      v.minValue(1, `must be a whole number from 1 to ${max}`),
      v.maxValue(max, `must be a whole number from 1 to ${max}`),
      v.description(`1 to ${max}, default ${fallback}`),
    ),
    String(fallback),
  );

/** GET /v1/suppressions and GET /v1/suppressions.csv */
const SuppressionListQuery = v.object({
  email: v.optional(
    v.pipe(
      v.string(),
      v.trim(),
      v.toLowerCase(),
      v.maxLength(320, "must be at most 320 characters"),
      v.description("part of the address"),
    ),
  ),
  reason: v.optional(reason),
  stream: v.optional(messageStream),
  limit: limit(50, 1000),
  cursor: v.optional(v.pipe(v.string(), v.description("`nextCursor` of the previous page"))),
});

/** ?stream= on the routes about one address. */
const StreamQuery = v.object({ stream });

/** The `{email}` path parameter (Hono has URL-decoded it), normalised like every stored address. */
const EmailParam = v.object({ email: v.pipe(v.string(), v.transform(normaliseEmail)) });

/** POST /v1/suppressions/check: any strings may be asked about; only suppressed ones come back. */
const SuppressionCheckInput = v.object({
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
const SuppressionAddInput = v.object({
  emails: v.pipe(
    v.array(emailAddress, "must be a list of addresses"),
    v.minLength(1, "must hold at least one address"),
    v.maxLength(MAX_ADDRESSES, `must hold at most ${MAX_ADDRESSES} addresses`),
  ),
  stream,
  reason: v.optional(v.picklist(["manual", "unsubscribe"], 'must be "manual" or "unsubscribe"'), "manual"),
});

/** What an import of Postmark's suppression list did (POST /v1/suppressions/import, and installing the webhook). */
export const ImportResultView = v.strictObject({
  stream: v.string(),
  seen: v.number(),
  added: v.number(),
  alreadySuppressed: v.number(),
  skipped: v.number(),
});

/** POST /v1/suppressions/import: the stream defaults to the settings' stream. */
const SuppressionImportInput = v.object({
  stream: v.optional(v.pipe(messageStream, v.description("default: the settings' message stream"))),
});

/** GET /v1/suppressions/changes */
const ChangesQuery = v.object({
  since: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d{1,15}$/, "must be a nextSince value from an earlier answer (or 0)"),
      v.transform(Number),
      v.description("`nextSince` of the previous answer; 0 or absent for the beginning"),
    ),
    "0",
  ),
  limit: limit(100, 1000),
});

const DAY_MS = 24 * 60 * 60 * 1000;
const REPORT_DEFAULT_DAYS = 30;
const REPORT_MAX_DAYS = 366;
const NOT_A_DATE = "must be a date such as 2026-11-26";

const daysBefore = (date: string, days: number) =>
  new Date(Date.parse(date) - days * DAY_MS).toISOString().slice(0, 10);

/** A query date (YYYY-MM-DD, or a full ISO timestamp) as its UTC date. */
const reportDate = (description: string) =>
  v.pipe(
    v.string(),
    v.regex(/^\d{4}-\d{2}-\d{2}(T.*)?$/, NOT_A_DATE),
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      const timestamp = toUtcTimestamp(
        /^\d{4}-\d{2}-\d{2}$/.test(dataset.value) ? `${dataset.value}T00:00:00Z` : dataset.value,
      );
      if (timestamp) return timestamp.slice(0, 10);
      addIssue({ message: NOT_A_DATE });
      return NEVER;
    }),
    v.description(description),
  );

/** GET /v1/reports/bounces: a range of UTC dates, by default the last 30 days, at most 366. */
const BounceReportQuery = v.pipe(
  v.object({
    from: v.optional(reportDate(`first UTC date, default ${REPORT_DEFAULT_DAYS - 1} days before \`to\``)),
    to: v.optional(reportDate("last UTC date, default today")),
    stream: v.optional(v.pipe(messageStream, v.description("message stream; all when absent"))),
  }),
  v.transform(({ from, to = new Date().toISOString().slice(0, 10), stream }) => ({
    from: from ?? daysBefore(to, REPORT_DEFAULT_DAYS - 1),
    to,
    stream,
  })),
  v.forward(
    v.check((q) => q.from <= q.to, "must not be after to"),
    ["from"],
  ),
  v.forward(
    v.check(
      (q) => q.from > q.to || daysBefore(q.to, REPORT_MAX_DAYS - 1) <= q.from,
      `must be at most ${REPORT_MAX_DAYS} days before to`,
    ),
    ["from"],
  ),
);

const reasonOut = v.picklist(SUPPRESSION_REASONS);

/** Where a push of a local change to Postmark stands (src/sync/push.ts). */
const pushState = v.picklist(["pending", "done", "failed"]);
/** The push to Postmark of an address's last local change. */
const Push = v.strictObject({
  action: v.pipe(v.picklist(["create", "delete"]), v.description("create: suppressed here; delete: reactivated here")),
  state: v.pipe(
    v.picklist(["pending", "done", "failed", "superseded"]),
    v.description(
      "pending: to be retried at nextAttemptAt; done: Postmark accepted it; failed: Postmark refused this address (message) or the retries ran out; superseded: a newer change of the address replaced it",
    ),
  ),
  message: v.optional(v.pipe(v.string(), v.description("Postmark's message, or the last error of a pending push"))),
  attempts: v.number(),
  requestedAt: v.string(),
  nextAttemptAt: v.optional(v.string()),
});

/** One suppressed address, as the list, the lookup and the CSV show it. */
const Suppression = v.strictObject({
  email: v.string(),
  stream: v.string(),
  reason: reasonOut,
  origin: v.picklist(["postmark", "api"]),
  suppressedAt: v.string(),
  bounceType: v.optional(v.string()),
  details: v.optional(v.string()),
  canReactivate: v.boolean(),
  postmark: v.optional(
    v.pipe(Push, v.description("present when this state was made here and pushed to Postmark (or is being pushed)")),
  ),
});

const tag = "Suppressions";

export const suppressionsApi = {
  list: declareRoute({
    method: "get",
    path: "/v1/suppressions",
    tag,
    summary: "Suppressed addresses in (email, stream) order, a page at a time",
    auth: "tenant",
    query: SuppressionListQuery,
    responses: {
      200: {
        description: "A page; `nextCursor` is null on the last one",
        body: v.strictObject({ items: v.array(Suppression), nextCursor: v.nullable(v.string()) }),
      },
      400: "`validation_failed` (e.g. a bad cursor)",
    },
  }),
  csv: declareRoute({
    method: "get",
    path: "/v1/suppressions.csv",
    tag,
    summary: "The whole list as CSV, streamed (same filters as the list; no paging)",
    auth: "tenant",
    query: SuppressionListQuery,
    responses: { 200: "`text/csv`: email,stream,reason,origin,suppressed_at,bounce_type", 400: "`validation_failed`" },
  }),
  changes: declareRoute({
    method: "get",
    path: "/v1/suppressions/changes",
    tag,
    summary: "Change feed: every change of an address's state after `since`, oldest first",
    auth: "tenant",
    query: ChangesQuery,
    responses: {
      200: {
        description: "The changes after `since`, and the `since` of the next call",
        body: v.strictObject({
          items: v.array(
            v.strictObject({
              email: v.string(),
              stream: v.string(),
              suppressed: v.boolean(),
              reason: v.nullable(reasonOut),
              changedAt: v.string(),
            }),
          ),
          nextSince: v.string(),
        }),
      },
      400: "`validation_failed`",
    },
  }),
  check: declareRoute({
    method: "post",
    path: "/v1/suppressions/check",
    tag,
    summary: "Which of up to 1000 addresses are suppressed",
    auth: "tenant",
    body: SuppressionCheckInput,
    responses: {
      200: {
        description: "Only the suppressed ones",
        body: v.strictObject({ suppressed: v.array(v.strictObject({ email: v.string(), reason: reasonOut })) }),
      },
      400: "`validation_failed`",
    },
  }),
  add: declareRoute({
    method: "post",
    path: "/v1/suppressions",
    tag,
    summary: "Suppress up to 1000 addresses by hand (origin api)",
    auth: "tenant",
    body: SuppressionAddInput,
    responses: {
      200: {
        description:
          "How many were not suppressed before, and for each of those its Postmark state: the route commits the change and the push together, then tries Postmark once (50 a call); `pending` ones are retried by the scheduled handler. `postmark` is null without Postmark settings (nothing is pushed).",
        body: v.strictObject({
          added: v.number(),
          postmark: v.nullable(
            v.array(v.strictObject({ email: v.string(), state: pushState, message: v.optional(v.string()) })),
          ),
        }),
      },
      400: "`validation_failed`",
      429: "`rate_limited`: more than 60 adds and reactivations a minute (Retry-After); `too_many_pending_pushes`: 5000 pushes of the tenant are still waiting for Postmark",
    },
  }),
  import: declareRoute({
    method: "post",
    path: "/v1/suppressions/import",
    tag,
    summary: "Import Postmark's suppression list of a stream (its dump), merged with the list here",
    auth: "tenant",
    body: SuppressionImportInput,
    responses: {
      200: {
        description:
          "HardBounce -> hard_bounce, SpamComplaint -> spam_complaint, ManualSuppression by the Recipient -> unsubscribe, other ManualSuppression -> manual; origin postmark, suppressedAt from CreatedAt. Ordered with webhook events and local changes by the same versions: an import never undoes a newer change made here. `skipped`: entries reactivated here after Postmark suppressed them (the push is on its way) or unreadable.",
        body: ImportResultView,
      },
      400: "`validation_failed`, `invalid_json`",
      409: "`not_configured`: no Postmark settings",
      422: "`import_too_large`: the dump has more than 300,000 entries; those were merged, the rest was not read",
      429: "`rate_limited`: more than 10 imports an hour (the install's import counts too; Retry-After)",
      502: "`postmark_error`: Postmark refused (its ErrorCode and message, e.g. 1226 for an unknown stream)",
      503: "`postmark_unavailable`: Postmark could not be reached, did not answer in time, sent an unreadable dump (an entry over 4096 characters, not one JSON object) or did not finish it within 90 s (what arrived until then is merged)",
    },
  }),
  push: declareRoute({
    method: "get",
    path: "/v1/suppressions/{email}/postmark",
    tag,
    summary: "The last push of one address's local change to Postmark (also for a reactivated address)",
    auth: "tenant",
    params: EmailParam,
    query: StreamQuery,
    responses: {
      200: {
        description: "The newest push of the address",
        body: v.strictObject({ email: v.string(), stream: v.string(), ...Push.entries }),
      },
      404: "`not_found`: no change of this address was ever pushed",
    },
  }),
  get: declareRoute({
    method: "get",
    path: "/v1/suppressions/{email}",
    tag,
    summary: "The suppression of one address",
    auth: "tenant",
    params: EmailParam,
    query: StreamQuery,
    responses: {
      200: { description: "The suppression", body: Suppression },
      404: "`not_found`: the address is active",
    },
  }),
  reactivate: declareRoute({
    method: "delete",
    path: "/v1/suppressions/{email}",
    tag,
    summary: "Reactivate an address",
    auth: "tenant",
    params: EmailParam,
    query: StreamQuery,
    responses: {
      204: "Reactivated. With Postmark settings, the address is also deleted from Postmark's list: the header `Postmark-Sync` says `done`, `pending` (retried by the scheduled handler) or `failed` (e.g. Postmark keeps a spam complaint; the message is in GET /v1/suppressions/{email}/postmark); `off` without settings.",
      404: "`not_found`: not suppressed",
      409: "`cannot_reactivate`: a spam complaint",
      429: "`rate_limited`: more than 60 adds and reactivations a minute (Retry-After); `too_many_pending_pushes`: 5000 pushes of the tenant are still waiting for Postmark",
    },
  }),
};

export const reportsApi = {
  bounces: declareRoute({
    method: "get",
    path: "/v1/reports/bounces",
    tag: "Reports",
    summary:
      "Bounces by type, by day and by source, spam complaints, the current number of suppressed addresses, and what Postmark sent with the bounce and complaint rates (Postmark's US Eastern day D set against UTC day D)",
    auth: "tenant",
    query: BounceReportQuery,
    responses: {
      200: {
        description: "Bounces in the range by type and by day (every day listed), spam complaints, suppressed now",
        body: v.strictObject({
          from: v.string(),
          to: v.string(),
          total: v.number(),
          byType: v.record(v.string(), v.number()),
          byDay: v.array(
            v.strictObject({
              date: v.string(),
              count: v.number(),
              complaints: v.number(),
              sent: v.pipe(v.nullable(v.number()), v.description("what Postmark sent that day (its US Eastern day)")),
              bounceRate: v.pipe(v.nullable(v.number()), v.description("percent of sent")),
              complaintRate: v.pipe(v.nullable(v.number()), v.description("percent of sent")),
            }),
          ),
          sent: v.pipe(v.nullable(v.number()), v.description("what Postmark sent in the range; null: see ratesReason")),
          bounceRate: v.pipe(v.nullable(v.number()), v.description("bounces in percent of sent")),
          complaintRate: v.pipe(v.nullable(v.number()), v.description("spam complaints in percent of sent")),
          ratesReason: v.pipe(
            v.nullable(v.string()),
            v.description("why there are no rates (no settings, Postmark not asked); null when there are"),
          ),
          bySource: v.pipe(
            v.strictObject({ recipient: v.number(), sender: v.number() }),
            v.description(
              "bounces the recipient caused, and those the sender caused (Blocked, DMARCPolicy, SMTPApiError, TemplateRenderingFailed: never suppressing)",
            ),
          ),
          spamComplaints: v.number(),
          suppressed: v.number(),
        }),
      },
      400: `\`validation_failed\`: a bad date or a range over ${REPORT_MAX_DAYS} days`,
    },
  }),
};
