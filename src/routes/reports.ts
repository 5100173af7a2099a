// The email report screen: bounces by type and by day, spam complaints, the current list size, and the rates
// against what Postmark sent.
import { Hono } from "hono";
import { getEmailSettings } from "../db/email-settings";
import { bounceReport } from "../db/reports";
import { withRates } from "../deliverability/report-rates";
import type { AppEnv } from "../http/app-env";
import { register } from "../http/route";
import { reportsApi as api } from "../schemas/suppressions";

export const reportRoutes = new Hono<AppEnv>();

register(reportRoutes, api.bounces, async (c) => {
  const { from, to, stream } = c.req.valid("query");
  const tenantId = c.get("tenantId");
  const [report, settings] = await Promise.all([
    bounceReport(c.env.DB, tenantId, from, to, stream ?? null),
    getEmailSettings(c.env.DB, tenantId),
  ]);
  const rates = await withRates(c.env, settings, report, { from, to, stream: stream ?? null });
  return c.json({ from, to, ...report, ...rates });
});
