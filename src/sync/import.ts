// Importing Postmark's suppression list of a stream into the local one: what Postmark suppressed before the
// webhook was set up (or while it was down) shows here too. Entries are ordered with webhook events and
// local changes by the same versions, so an import never undoes a newer change.

import { toAddress } from "../email-address";
import { changeVersion, type SuppressionReason } from "../model/suppression";
import { openSuppressionDump } from "../postmark/api/client";
import { PostmarkUnavailable } from "../postmark/api/errors";
import { eventTime, toIsoMillis, toUtcTimestamp, utcNow } from "../postmark/timestamps";
import { DumpFormatError, dumpEntries } from "./dump-entries";
import { echoMatch, echoVersionSql } from "./echo";

export interface ImportResult {
  stream: string;
  /** entries in Postmark's dump */
  seen: number;
  /** addresses that were not suppressed here and now are */
  added: number;
  /** addresses that were suppressed here already */
  alreadySuppressed: number;
  /** entries left out: reactivated here after Postmark suppressed them (a push is on its way), or unreadable */
  skipped: number;
}

/** Entries per SQL statement (one JSON array bound to one parameter) and per D1 batch. */
const ENTRIES_PER_STATEMENT = 1000;

/** Postmark's SuppressionReason (and Origin, for a manual one) -> the local reason. */
function reasonOf(postmarkReason: unknown, origin: unknown): SuppressionReason | null {
  if (postmarkReason === "HardBounce") return "hard_bounce";
  if (postmarkReason === "SpamComplaint") return "spam_complaint";
  if (postmarkReason === "ManualSuppression") return origin === "Recipient" ? "unsubscribe" : "manual";
  return null;
}

/** One entry as bound to SQL: [email, reason, suppressedAt, bounceType, details, version, echoFrom, echoUntil]. */
type Row = [string, SuppressionReason, string, string | null, string, string, string | null, string | null];

export function toRow(entry: unknown, receivedAt: string): Row | null {
  if (entry === null || typeof entry !== "object") return null;
  const e = entry as Record<string, unknown>;
  const email = toAddress(e.EmailAddress);
  const reason = reasonOf(e.SuppressionReason, e.Origin);
  const dated = toUtcTimestamp(e.CreatedAt);
  if (email === null || reason === null || dated === null) return null;
  // Ordered like a webhook event: a date far past the import's own time is taken as that time.
  const createdAt = eventTime(dated, receivedAt);
  const postmarkReason = e.SuppressionReason as string;
  const origin = typeof e.Origin === "string" ? e.Origin.slice(0, 20) : "unknown";
  // A manual suppression by the Customer may be a push from here, dated when Postmark applied it (sync/echo.ts).
  const echo = reason === "manual" && origin === "Customer" ? echoMatch("create", createdAt) : null;
  return [
    email,
    reason,
    toIsoMillis(createdAt),
    reason === "hard_bounce" || reason === "spam_complaint" ? postmarkReason : null,
    `Imported from Postmark (${postmarkReason}, origin ${origin})`,
    changeVersion(createdAt, "suppress", "import"),
    echo?.attemptedFrom ?? null,
    echo?.requestedUntil ?? null,
  ];
}

/**
 * Statements that merge one batch of entries (one D1 batch, one transaction): the addresses suppressed here
 * before, then the merge, returning the addresses it suppressed or changed. An entry applies where the
 * address is not suppressed here and its version is newer than the local state's, or where it is a spam
 * complaint (final, as for webhook events). Addresses already suppressed here keep their local details.
 * An entry that matches a push from here is ordered at that push's version only while the local state is
 * still that push's: once the address changed here since (reactivated), the entry is Postmark's own word and
 * ordered at its date, unless a reactivation's push is still on its way (then Postmark is about to drop the
 * entry: it is left out, `skipped`).
 */
function mergeStatements(db: D1Database, tenantId: string, stream: string, rows: Row[], updatedAt: string) {
  const entries = JSON.stringify(rows);
  const suppressedBefore = db
    .prepare(
      `SELECT email FROM suppressions WHERE tenant_id = ?1 AND stream = ?2 AND suppressed = 1
         AND email IN (SELECT json_extract(value, '$[0]') FROM json_each(?3))`,
    )
    .bind(tenantId, stream, entries);
  const merge = db
    .prepare(
      `INSERT INTO suppressions (tenant_id, email, stream, suppressed, reason, origin, suppressed_at, bounce_type, details, can_reactivate, version, updated_at)
       SELECT ?1, e.email, ?2, 1, e.reason, 'postmark', e.suppressed_at, e.bounce_type, e.details,
         e.reason IS NOT 'spam_complaint',
         coalesce(iif(e.echo_from IS NULL, NULL, (SELECT v FROM (SELECT ${echoVersionSql("?1", "?2", "e.email", "'create'", "e.echo_from", "e.echo_until")} AS v)
                                                 WHERE v >= coalesce((SELECT version FROM suppressions
                                                                      WHERE tenant_id = ?1 AND stream = ?2 AND email = e.email), ''))),
                  e.version),
         ?4
       FROM (SELECT json_extract(value, '$[0]') AS email, json_extract(value, '$[1]') AS reason,
               json_extract(value, '$[2]') AS suppressed_at, json_extract(value, '$[3]') AS bounce_type,
               json_extract(value, '$[4]') AS details, json_extract(value, '$[5]') AS version,
               json_extract(value, '$[6]') AS echo_from, json_extract(value, '$[7]') AS echo_until
             FROM json_each(?3)) AS e
       WHERE e.echo_from IS NULL
          OR NOT EXISTS (SELECT 1 FROM postmark_pushes AS p WHERE p.tenant_id = ?1 AND p.stream = ?2 AND p.email = e.email
                           AND p.state = 'pending' AND p.action = 'delete')
       ON CONFLICT (tenant_id, email, stream) DO UPDATE SET
         suppressed = 1, reason = excluded.reason, origin = 'postmark', suppressed_at = excluded.suppressed_at,
         bounce_type = excluded.bounce_type, details = excluded.details, can_reactivate = excluded.can_reactivate,
         version = max(excluded.version, suppressions.version), updated_at = excluded.updated_at
       WHERE iif(suppressions.suppressed = 1,
                 excluded.reason IS 'spam_complaint' AND suppressions.reason IS NOT 'spam_complaint',
                 excluded.reason IS 'spam_complaint' OR excluded.version > suppressions.version)
       RETURNING email`,
    )
    .bind(tenantId, stream, entries, updatedAt);
  return [suppressedBefore, merge];
}

/** Records an import's result, or a failure, for GET /v1/email/postmark and the dashboard. */
function recordStatement(db: D1Database, tenantId: string, at: string, result: ImportResult | { error: string }) {
  if ("error" in result) {
    return db
      .prepare(
        `INSERT INTO postmark_sync (tenant_id, last_error, last_error_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (tenant_id) DO UPDATE SET last_error = excluded.last_error, last_error_at = excluded.last_error_at`,
      )
      .bind(tenantId, result.error, at);
  }
  return db
    .prepare(
      `INSERT INTO postmark_sync (tenant_id, last_import_at, last_import_stream, last_import_seen, last_import_added, last_import_already)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6)
       ON CONFLICT (tenant_id) DO UPDATE SET last_import_at = excluded.last_import_at,
         last_import_stream = excluded.last_import_stream, last_import_seen = excluded.last_import_seen,
         last_import_added = excluded.last_import_added, last_import_already = excluded.last_import_already`,
    )
    .bind(tenantId, at, result.stream, result.seen, result.added, result.alreadySuppressed);
}

/** One import's bounds (README): far above a real list, far below what would fill the database or hold a request. */
export const MAX_IMPORT_ENTRIES = 300_000;
export const IMPORT_DEADLINE_MS = 90_000;

/** The dump has more entries than one import takes: the first MAX_IMPORT_ENTRIES were merged (`result`). */
export class ImportTooLarge extends Error {
  override readonly name = "ImportTooLarge";
  constructor(readonly result: ImportResult) {
    super(
      `Postmark's suppression list of ${result.stream} has more than ${result.seen.toLocaleString("en")} entries, the most one import reads: ` +
        `those were merged (${progress(result)}), the rest was not read.`,
    );
  }
}

const progress = (r: ImportResult) => `${r.added} added, ${r.alreadySuppressed} already here, ${r.skipped} left out`;

type ImportEnv = Pick<Env, "DB" | "POSTMARK_API_URL"> & {
  TEST_POSTMARK_TIMEOUT_MS?: string;
  /** Test-only: lower (never raise) the bounds, so the tests need not send 300,000 entries. */
  TEST_IMPORT_MAX_ENTRIES?: string;
  TEST_IMPORT_DEADLINE_MS?: string;
};

const lowered = (requested: string | undefined, bound: number) => {
  const n = Number(requested);
  return Number.isFinite(n) && n > 0 ? Math.min(n, bound) : bound;
};

/**
 * Imports Postmark's suppression list of `stream` for `tenantId`, read with that tenant's own Server API
 * token: the dump is read as it arrives and merged 1000 entries at a time, within MAX_IMPORT_ENTRIES and
 * IMPORT_DEADLINE_MS, and only while `client` (the request's signal) is not aborted. Throws PostmarkRefused
 * or PostmarkUnavailable (also when the dump breaks off half-way or misses the deadline: what was merged until
 * then stays, and a second import finishes the job, since merging is idempotent), or ImportTooLarge.
 */
export async function importSuppressions(
  env: ImportEnv,
  tenantId: string,
  serverToken: string,
  stream: string,
  client?: AbortSignal,
): Promise<ImportResult> {
  const db = env.DB;
  const result: ImportResult = { stream, seen: 0, added: 0, alreadySuppressed: 0, skipped: 0 };
  const receivedAt = utcNow();
  const updatedAt = toIsoMillis(receivedAt);
  const maxEntries = lowered(env.TEST_IMPORT_MAX_ENTRIES, MAX_IMPORT_ENTRIES);
  const deadlineMs = lowered(env.TEST_IMPORT_DEADLINE_MS, IMPORT_DEADLINE_MS);
  // Ends the transfer: the deadline, the client gone, or the entry cap reached.
  const stop = new AbortController();
  const deadline = setTimeout(() => stop.abort("deadline"), deadlineMs);
  const onClientGone = () => stop.abort("client");
  client?.addEventListener("abort", onClientGone, { once: true });
  /** Merges one batch of entries and counts it; one runs while the next batch is read from the dump. */
  const merge = async (entries: unknown[]) => {
    const rows = entries.map((entry) => toRow(entry, receivedAt)).filter((row): row is Row => row !== null);
    result.seen += entries.length;
    if (rows.length === 0) {
      result.skipped += entries.length;
      return;
    }
    const [before, merged] = await db.batch<{ email: string }>(mergeStatements(db, tenantId, stream, rows, updatedAt));
    const already = new Set(before!.results.map((r) => r.email));
    const added = new Set(merged!.results.map((r) => r.email).filter((email) => !already.has(email))).size;
    result.alreadySuppressed += already.size;
    result.added += added;
    result.skipped += entries.length - already.size - added;
  };
  try {
    const body = await openSuppressionDump(env, serverToken, stream, stop.signal);
    let merging: Promise<void> | null = null;
    let read = 0;
    for await (const entries of dumpEntries(body, ENTRIES_PER_STATEMENT)) {
      if (merging) await merging;
      if (read + entries.length > maxEntries) {
        merging = null;
        await merge(entries.slice(0, maxEntries - read));
        stop.abort("cap");
        throw new ImportTooLarge(result);
      }
      read += entries.length;
      merging = merge(entries);
      // Awaited on the next turn; until then its failure must not count as unhandled.
      merging.catch(() => {});
    }
    if (merging) await merging;
  } catch (err) {
    const failure =
      stop.signal.reason === "deadline"
        ? new PostmarkUnavailable(
            `Postmark's suppression dump did not arrive within ${deadlineMs / 1000} s; ${result.seen} entries were merged (${progress(result)})`,
          )
        : stop.signal.reason === "client"
          ? new PostmarkUnavailable(`the import was stopped when its caller went away after ${result.seen} entries`)
          : err instanceof DumpFormatError
            ? new PostmarkUnavailable(`Postmark's suppression dump was unreadable: ${err.message}`)
            : err;
    const message = failure instanceof Error ? `Import of ${stream}: ${failure.message}` : `Import of ${stream} failed`;
    await db.batch([recordStatement(db, tenantId, toIsoMillis(utcNow()), { error: message })]).catch(() => {});
    throw failure;
  } finally {
    clearTimeout(deadline);
    client?.removeEventListener("abort", onClientGone);
  }
  await db.batch([recordStatement(db, tenantId, toIsoMillis(utcNow()), result)]);
  return result;
}
