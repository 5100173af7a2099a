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
  reactivateSuppression,
} from "../db/suppressions";
import { normaliseEmail } from "../email-address";
import type { AppEnv } from "../http/app-env";
import { ApiError, notFound, validationFailed } from "../http/errors";
import { register } from "../http/route";
import { suppressionsCsv } from "../http/suppressions-csv";
import { type ChangeEffect, changeVersion } from "../model/suppression";
import { toIsoMillis, utcNow } from "../postmark/timestamps";
import { suppressionsApi as api } from "../schemas/suppressions";

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
  return { iso: toIsoMillis(now), version: changeVersion(now, effect, "api") };
}

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
  const added = await addSuppressions(
    c.env.DB,
    c.get("tenantId"),
    input.stream,
    emails,
    input.reason,
    apiNow("suppress"),
  );
  return c.json({ added: added.length });
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
  const result = await reactivateSuppression(c.env.DB, c.get("tenantId"), stream, email, apiNow("reactivate"));
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
