// The suppression list: search, look up, check, add, reactivate, export, its change feed, and its sync with
// Postmark (import; each local change pushed through the outbox, src/sync/).
import { type Context, Hono } from "hono";
import { base64UrlToBytes, bytesToBase64Url, utf8Bytes } from "../crypto/encoding";
import { getEmailSettings } from "../db/email-settings";
import { latestPush, MAX_PENDING_PUSHES, newestPushes, pendingPushCount } from "../db/postmark-pushes";
import { RATE_LIMITS, type RateLimitedAction, takeQuota } from "../db/rate-limits";
import {
  addSuppressions,
  checkSuppressions,
  getSuppression,
  type ListPosition,
  listChanges,
  listSuppressions,
  reactivateSuppression,
} from "../db/suppressions";
import { normaliseEmail } from "../email-address";
import type { AppEnv } from "../http/app-env";
import { ApiError, notFound, rateLimited, validationFailed } from "../http/errors";
import { register } from "../http/route";
import { suppressionsCsv } from "../http/suppressions-csv";
import { type ChangeEffect, changeVersion } from "../model/suppression";
import { toIsoMillis, utcNow } from "../postmark/timestamps";
import { suppressionsApi as api } from "../schemas/suppressions";
import { ImportTooLarge, importSuppressions } from "../sync/import";
import { after, type PushReport, pushNow, retryDelayMs } from "../sync/push";

// base64url of UTF-8 JSON: addresses may hold any Unicode (btoa alone only takes Latin-1).
const encodeCursor = (position: ListPosition) => bytesToBase64Url(utf8Bytes(JSON.stringify(position)));

function decodeCursor(cursor: string): ListPosition {
  try {
    const bytes = base64UrlToBytes(cursor);
    const position: unknown =
      bytes && JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes));
    if (Array.isArray(position) && position.length === 2 && position.every((p) => typeof p === "string"))
      return position as ListPosition;
  } catch {
    // falls through to the 400
  }
  throw validationFailed({ cursor: "must be a nextCursor value from an earlier answer" });
}

/** "Now" for changes made through the API: applies over every older event (see db/suppressions.ts). */
function apiNow(effect: ChangeEffect) {
  const now = utcNow();
  return { iso: toIsoMillis(now), at: now, version: changeVersion(now, effect, "api") };
}

/** The response header that says how a reactivation reached Postmark (DELETE answers 204, with no body). */
export const POSTMARK_SYNC_HEADER = "Postmark-Sync";

/**
 * The tenant's Server API token, opened for this request, and its settings' stream; null without settings:
 * then nothing is pushed or imported. Only ever the requesting tenant's own settings.
 */
async function postmarkOf(c: Context<AppEnv>) {
  const tenantId = c.get("tenantId");
  const settings = await getEmailSettings(c.env.DB, tenantId);
  return settings
    ? { token: await c.get("config").keyring.open(settings.apiKey, tenantId), stream: settings.messageStream }
    : null;
}

/** The route's one try of the pushes it has just committed with its change: each address's Postmark state. */
async function pushCommitted(c: Context<AppEnv>, token: string, stream: string, emails: string[]) {
  if (emails.length === 0) return [];
  const pushes = await newestPushes(c.env.DB, c.get("tenantId"), stream, emails);
  return pushNow(
    c.env,
    token,
    pushes.filter((p) => p.state === "pending"),
  );
}

/** Counts one use of a tenant's quota (db/rate-limits.ts), or refuses the request with 429. */
async function spendQuota(c: Context<AppEnv>, action: RateLimitedAction) {
  const retryAfter = await takeQuota(c.env.DB, c.get("tenantId"), action);
  if (retryAfter === null) return;
  const { limit, windowSeconds } = RATE_LIMITS[action];
  const what = action === "imports" ? "imports from Postmark" : "suppression changes (adds and reactivations)";
  const per = windowSeconds === 60 ? "a minute" : "an hour";
  throw rateLimited("rate_limited", `At most ${limit} ${what} ${per} can be made.`, retryAfter);
}

/**
 * Refuses a change that would push `count` more addresses to Postmark while the tenant already has
 * MAX_PENDING_PUSHES waiting (Postmark down or refusing): the outbox of one tenant stays bounded.
 */
async function requireOutboxRoom(c: Context<AppEnv>, count: number) {
  const pending = await pendingPushCount(c.env.DB, c.get("tenantId"));
  if (pending + count <= MAX_PENDING_PUSHES) return;
  throw rateLimited(
    "too_many_pending_pushes",
    `${pending} changes are still waiting to reach Postmark, and at most ${MAX_PENDING_PUSHES} may wait: ` +
      "GET /v1/email/postmark says why Postmark has not taken them (fix the token or the stream), or wait for the retries.",
    60,
  );
}

/** The first retry of a push the route's own try leaves pending. */
const firstRetry = () => ({ retryAt: after(retryDelayMs(1)) });

export const suppressionRoutes = new Hono<AppEnv>();

register(suppressionRoutes, api.list, async (c) => {
  const query = c.req.valid("query");
  const after = query.cursor ? decodeCursor(query.cursor) : null;
  const items = await listSuppressions(c.env.DB, c.get("tenantId"), query, query.limit, after);
  const last = items[items.length - 1];
  return c.json({
    items,
    nextCursor: items.length === query.limit && last ? encodeCursor([last.email, last.stream]) : null,
  });
});

register(suppressionRoutes, api.csv, (c) => {
  const query = c.req.valid("query");
  const pageSize = 1000;
  const body = suppressionsCsv(
    (after) => listSuppressions(c.env.DB, c.get("tenantId"), query, pageSize, after),
    pageSize,
  );
  return c.body(body, 200, {
    "Content-Type": "text/csv; charset=utf-8",
    "Content-Disposition": 'attachment; filename="suppressions.csv"',
  });
});

register(suppressionRoutes, api.changes, async (c) => {
  const query = c.req.valid("query");
  const changes = await listChanges(c.env.DB, c.get("tenantId"), query.since, query.limit);
  const items = changes.map(({ seq: _seq, ...change }) => change);
  return c.json({ items, nextSince: String(changes[changes.length - 1]?.seq ?? query.since) });
});

register(suppressionRoutes, api.check, async (c) => {
  const input = c.req.valid("json");
  const emails = [...new Set(input.emails.map(normaliseEmail))];
  return c.json({ suppressed: await checkSuppressions(c.env.DB, c.get("tenantId"), input.stream, emails) });
});

register(suppressionRoutes, api.add, async (c) => {
  const input = c.req.valid("json");
  const emails = [...new Set(input.emails.map(normaliseEmail))];
  await spendQuota(c, "suppression_changes");
  const postmark = await postmarkOf(c);
  if (postmark) await requireOutboxRoom(c, emails.length);
  // The change and the intent to push it are committed together, before Postmark is called.
  const added = await addSuppressions(
    c.env.DB,
    c.get("tenantId"),
    input.stream,
    emails,
    input.reason,
    apiNow("suppress"),
    postmark ? firstRetry() : null,
  );
  const pushed: PushReport[] | null = postmark ? await pushCommitted(c, postmark.token, input.stream, added) : null;
  return c.json({ added: added.length, postmark: pushed });
});

register(suppressionRoutes, api.import, async (c) => {
  const postmark = await postmarkOf(c);
  if (!postmark) {
    throw new ApiError(
      409,
      "not_configured",
      "There are no Postmark settings to import with: save them first (PUT /v1/email/settings).",
    );
  }
  const stream = c.req.valid("json").stream ?? postmark.stream;
  await spendQuota(c, "imports");
  // Postmark refusing or unreachable: 502 postmark_error / 503 postmark_unavailable (http/errors.ts).
  try {
    return c.json(await importSuppressions(c.env, c.get("tenantId"), postmark.token, stream, c.req.raw.signal));
  } catch (err) {
    if (err instanceof ImportTooLarge) throw new ApiError(422, "import_too_large", err.message);
    throw err;
  }
});

register(suppressionRoutes, api.push, async (c) => {
  const { email } = c.req.valid("param");
  const { stream } = c.req.valid("query");
  const push = await latestPush(c.env.DB, c.get("tenantId"), stream, email);
  if (!push) throw notFound("A push of this address to Postmark");
  return c.json({ email, stream, ...push });
});

register(suppressionRoutes, api.get, async (c) => {
  const { email } = c.req.valid("param");
  const suppression = await getSuppression(c.env.DB, c.get("tenantId"), c.req.valid("query").stream, email);
  if (!suppression) throw notFound("A suppression of this address");
  return c.json(suppression);
});

register(suppressionRoutes, api.reactivate, async (c) => {
  const { email } = c.req.valid("param");
  const { stream } = c.req.valid("query");
  await spendQuota(c, "suppression_changes");
  const postmark = await postmarkOf(c);
  if (postmark) await requireOutboxRoom(c, 1);
  const result = await reactivateSuppression(
    c.env.DB,
    c.get("tenantId"),
    stream,
    email,
    apiNow("reactivate"),
    postmark ? firstRetry() : null,
  );
  if (result === "not_suppressed") throw notFound("A suppression of this address");
  if (result === "cannot_reactivate") {
    throw new ApiError(
      409,
      "cannot_reactivate",
      "This address cannot be reactivated: it reported your mail as spam (or Postmark cannot reactivate it).",
    );
  }
  // 204 has no body: the push's state is in a header, and in GET /v1/suppressions/{email}/postmark.
  const [pushed] = postmark ? await pushCommitted(c, postmark.token, stream, [email]) : [];
  c.header(POSTMARK_SYNC_HEADER, pushed?.state ?? "off");
  return c.body(null, 204);
});
