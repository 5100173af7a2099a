// The suppression list: search, look up, check, add, reactivate, export, and its change feed.
import { Hono } from "hono";
import { base64UrlToBytes, bytesToBase64Url, utf8Bytes } from "../crypto/encoding";
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
import { ApiError, notFound, validationFailed } from "../http/errors";
import { readJsonBody, validate } from "../http/json-body";
import { suppressionsCsv } from "../http/suppressions-csv";
import { toIsoMillis, utcNow } from "../postmark/timestamps";
import {
  ChangesQuery,
  StreamQuery,
  SuppressionAddInput,
  SuppressionCheckInput,
  SuppressionListQuery,
} from "../schemas/suppressions";

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
  return { iso: toIsoMillis(now), version: `${now}|${rank}|api` };
}

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
  .post("/suppressions", async (c) => {
    const input = await readJsonBody(c, SuppressionAddInput);
    const emails = [...new Set(input.emails.map(normaliseEmail))];
    const added = await addSuppressions(c.env.DB, c.get("tenantId"), input.stream, emails, input.reason, apiNow("1"));
    return c.json({ added: added.length });
  })
  .get("/suppressions/:email", async (c) => {
    const { stream } = validate(StreamQuery, c.req.query());
    const suppression = await getSuppression(c.env.DB, c.get("tenantId"), stream, emailParam(c.req.param("email")));
    if (!suppression) throw notFound("A suppression of this address");
    return c.json(suppression);
  })
  .delete("/suppressions/:email", async (c) => {
    const { stream } = validate(StreamQuery, c.req.query());
    const result = await reactivateSuppression(
      c.env.DB,
      c.get("tenantId"),
      stream,
      emailParam(c.req.param("email")),
      apiNow("0"),
    );
    if (result === "not_suppressed") throw notFound("A suppression of this address");
    if (result === "cannot_reactivate") {
      throw new ApiError(
        409,
        "cannot_reactivate",
        "This address cannot be reactivated: it reported your mail as spam (or Postmark cannot reactivate it).",
      );
    }
    return c.body(null, 204);
  });
