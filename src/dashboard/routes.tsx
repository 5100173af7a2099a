// The dashboard: one server-rendered page plus its script and stylesheet, all served by this Worker.
import { Hono } from "hono";
import { secureHeaders } from "hono/secure-headers";
import type { AppEnv } from "../http/app-env";
import { notFound } from "../http/errors";
import { register } from "../http/route";
import { serviceApi } from "../schemas/service";
import { DashboardPage } from "./page";

// Only this Worker's own script and styles may run or load; the API is fetched from the same origin.
const DASHBOARD_CSP = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'"],
  connectSrc: ["'self'"],
  formAction: ["'self'"],
  baseUri: ["'none'"],
  frameAncestors: ["'none'"],
};

// On the page and its files only: mounted at "/", a bare `.use()` would put this CSP on every API answer too.
const dashboardHeaders = secureHeaders({ contentSecurityPolicy: DASHBOARD_CSP, referrerPolicy: "no-referrer" });

export const dashboardRoutes = new Hono<AppEnv>().use("/", dashboardHeaders);

register(dashboardRoutes, serviceApi.dashboard, (c) => {
  // Always the deployed version, so the page never pairs with a script from another release.
  c.header("Cache-Control", "no-store");
  return c.html(<DashboardPage />);
});

dashboardRoutes.get("/assets/*", dashboardHeaders, async (c) => {
  // Files in src/dashboard/public/ (the stylesheet and the script's ES modules, views/ included), served by the
  // Workers static-assets binding (wrangler.toml [assets]); .assetsignore keeps the modules' tsconfig.json out.
  const res = await c.env.ASSETS.fetch(c.req.raw);
  if (res.status === 404) throw notFound("This file");
  return new Response(res.body, res); // a mutable copy, so the security headers can be added
});
