// The email report screen: bounces by type and by day, spam complaints, and the current list size.
import { Hono } from "hono";
import { bounceReport } from "../db/reports";
import type { AppEnv } from "../http/app-env";
import { register } from "../http/route";
import { reportsApi as api } from "../schemas/suppressions";

export const reportRoutes = new Hono<AppEnv>();

register(reportRoutes, api.bounces, async (c) => {
  const { from, to, stream } = c.req.valid("query");
  const report = await bounceReport(c.env.DB, c.get("tenantId"), from, to, stream ?? null);
  return c.json({ from, to, ...report });
});
