// The suppression list: search, look up, check, add, reactivate, export, and its change feed.
import { type Context, Hono } from "hono";
import { base64UrlToBytes, bytesToBase64Url, utf8Bytes } from "../crypto/encoding";
import { getEmailSettings } from "../db/email-settings";
import { latestPush, newestPushes } from "../db/postmark-pushes";
import {
  addSuppressions,
  checkSuppressions,
  getSuppression,
  type ListPosition,
  listChanges,
  listSuppressions,
  normaliseEmail,
  reactivateSuppression,
} from "../db/suppressions";
import type { AppEnv } from "../http/app-env";
import { ApiError, notFound, postmarkApiError, validationFailed } from "../http/errors";
import { readJsonBody, validate } from "../http/json-body";
import { suppressionsCsv } from "../http/suppressions-csv";
import { PostmarkRefused, PostmarkUnavailable } from "../postmark/api/errors";
import { toIsoMillis, utcNow } from "../postmark/timestamps";
import {
  ChangesQuery,
  StreamQuery,
  SuppressionAddInput,
  SuppressionCheckInput,
  SuppressionImportInput,
  SuppressionListQuery,
} from "../schemas/suppressions";
import { importSuppressions } from "../sync/import";
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

/** The `{email}` path parameter (Hono has URL-decoded it), normalised like every stored address. */
const emailParam = (raw: string) => normaliseEmail(raw);

/** "Now" for changes made through the API: applies over every older event (see db/suppressions.ts). */
function apiNow(rank: "0" | "1") {
  const now = utcNow();
  return { iso: toIsoMillis(now), at: now, version: `${now}|${rank}|api` };
}

/** The response header that says how a reactivation reached Postmark (DELETE answers 204, with no body). */
export const POSTMARK_SYNC_HEADER = "Postmark-Sync";

/**
 * The tenant's Server API token, opened for this request, or null without settings: then nothing is pushed
 * or imported. Only ever the requesting tenant's own settings.
 */
async function serverToken(c: Context<AppEnv>) {
  const tenantId = c.get("tenantId");
  const settings = await getEmailSettings(c.env.DB, tenantId);
  return settings
    ? { token: await c.get("config").keyring.open(settings.apiKey, tenantId), stream: settings.messageStream }
    : null;
}

/** The route's one try of the pushes it has just committed; each address's Postmark state. */
async function pushCommitted(c: Context<AppEnv>, token: string, stream: string, emails: string[]) {
  if (emails.length === 0) return [];
  const pushes = await newestPushes(c.env.DB, c.get("tenantId"), stream, emails);
  return pushNow(
    c.env,
    token,
    pushes.filter((p) => p.state === "pending"),
  );
}

const notConnected = () =>
  new ApiError(
    409,
    "not_configured",
    "There are no Postmark settings to import with: save them first (PUT /v1/email/settings).",
  );

export const suppressionRoutes = new Hono<AppEnv>()
  .get("/suppressions", async (c) => {
    const query = validate(SuppressionListQuery, c.req.query());
    const after = query.cursor ? decodeCursor(query.cursor) : null;
    const items = await listSuppressions(c.env.DB, c.get("tenantId"), query, query.limit, after);
    const last = items[items.length - 1];
    return c.json({
      items,
      nextCursor: items.length === query.limit && last ? encodeCursor([last.email, last.stream]) : null,
    });
  })
  .get("/suppressions.csv", (c) => {
    const query = validate(SuppressionListQuery, c.req.query());
    const pageSize = 1000;
    const body = suppressionsCsv(
      (after) => listSuppressions(c.env.DB, c.get("tenantId"), query, pageSize, after),
      pageSize,
    );
    return c.body(body, 200, {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": 'attachment; filename="suppressions.csv"',
    });
  })
  .get("/suppressions/changes", async (c) => {
    const query = validate(ChangesQuery, c.req.query());
    const changes = await listChanges(c.env.DB, c.get("tenantId"), query.since, query.limit);
    const items = changes.map(({ seq: _seq, ...change }) => change);
    return c.json({ items, nextSince: String(changes[changes.length - 1]?.seq ?? query.since) });
  })
  .post("/suppressions/check", async (c) => {
    const input = await readJsonBody(c, SuppressionCheckInput);
    const emails = [...new Set(input.emails.map(normaliseEmail))];
    return c.json({ suppressed: await checkSuppressions(c.env.DB, c.get("tenantId"), input.stream, emails) });
  })
  .post("/suppressions/import", async (c) => {
    const input = await readJsonBody(c, SuppressionImportInput);
    const postmark = await serverToken(c);
    if (!postmark) throw notConnected();
    try {
      return c.json(
        await importSuppressions(c.env, c.get("tenantId"), postmark.token, input.stream ?? postmark.stream),
      );
    } catch (err) {
      if (err instanceof PostmarkRefused || err instanceof PostmarkUnavailable) throw postmarkApiError(err);
      throw err;
    }
  })
  .post("/suppressions", async (c) => {
    const input = await readJsonBody(c, SuppressionAddInput);
    const emails = [...new Set(input.emails.map(normaliseEmail))];
    const postmark = await serverToken(c);
    const now = apiNow("1");
    // The change and the intent to push it are committed together, before Postmark is called.
    const push = postmark ? { retryAt: after(retryDelayMs(1)) } : null;
    const added = await addSuppressions(c.env.DB, c.get("tenantId"), input.stream, emails, input.reason, now, push);
    const pushed: PushReport[] | null = postmark ? await pushCommitted(c, postmark.token, input.stream, added) : null;
    return c.json({ added: added.length, postmark: pushed });
  })
  .get("/suppressions/:email/postmark", async (c) => {
    const { stream } = validate(StreamQuery, c.req.query());
    const email = emailParam(c.req.param("email"));
    const push = await latestPush(c.env.DB, c.get("tenantId"), stream, email);
    if (!push) throw notFound("A push of this address to Postmark");
    return c.json({ email, stream, ...push });
  })
  .get("/suppressions/:email", async (c) => {
    const { stream } = validate(StreamQuery, c.req.query());
    const suppression = await getSuppression(c.env.DB, c.get("tenantId"), stream, emailParam(c.req.param("email")));
    if (!suppression) throw notFound("A suppression of this address");
    return c.json(suppression);
  })
  .delete("/suppressions/:email", async (c) => {
    const { stream } = validate(StreamQuery, c.req.query());
    const email = emailParam(c.req.param("email"));
    const postmark = await serverToken(c);
    const push = postmark ? { retryAt: after(retryDelayMs(1)) } : null;
    const result = await reactivateSuppression(c.env.DB, c.get("tenantId"), stream, email, apiNow("0"), push);
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
