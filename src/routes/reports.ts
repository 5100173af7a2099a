// The email report screen: bounces by type and by day, spam complaints, and the current list size.
import { Hono } from "hono";
import { bounceReport } from "../db/reports";
import type { AppEnv } from "../http/app-env";
import { validationFailed } from "../http/errors";
import { validate } from "../http/json-body";
import { toUtcTimestamp } from "../postmark/timestamps";
import { BounceReportQuery } from "../schemas/suppressions";

const DAY_MS = 24 * 60 * 60 * 1000;
const DEFAULT_DAYS = 30;
const MAX_DAYS = 366;

/** A query date (YYYY-MM-DD, or a full ISO timestamp) as its UTC date, or null when it is no real date. */
function utcDate(value: string): string | null {
  const timestamp = toUtcTimestamp(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  return timestamp ? timestamp.slice(0, 10) : null;
}

const daysBefore = (date: string, days: number) =>
  new Date(Date.parse(date) - days * DAY_MS).toISOString().slice(0, 10);

export const reportRoutes = new Hono<AppEnv>().get("/bounces", async (c) => {
  const query = validate(BounceReportQuery, c.req.query());
  const to = query.to === undefined ? new Date().toISOString().slice(0, 10) : utcDate(query.to);
  const from = query.from === undefined ? to && daysBefore(to, DEFAULT_DAYS - 1) : utcDate(query.from);
  const problems: Record<string, string> = {};
  if (!to) problems.to = "must be a date such as 2026-11-26";
  if (!from && query.from !== undefined) problems.from = "must be a date such as 2026-11-26";
  if (from && to && from > to) problems.from = "must not be after to";
  if (from && to && from <= to && daysBefore(to, MAX_DAYS - 1) > from)
    problems.from = `must be at most ${MAX_DAYS} days before to`;
  if (!from || !to || Object.keys(problems).length > 0) throw validationFailed(problems);

  const report = await bounceReport(c.env.DB, c.get("tenantId"), from, to, query.stream ?? null);
  return c.json({ from, to, ...report });
});
