// The Worker's HTTP surface: global middleware, the resource routers, and the one error handler.
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { secureHeaders } from "hono/secure-headers";
import { parseOrigins } from "./config";
import { dashboardRoutes } from "./dashboard/routes";
import type { AppEnv } from "./http/app-env";
import { requireTenant, withConfig } from "./http/auth";
import { errorResponse, handleError, notFound, payloadTooLarge } from "./http/errors";
import { emailSettingsRoutes } from "./routes/email-settings";
import { postmarkConnectionRoutes } from "./routes/postmark-connection";
import { postmarkWebhookRoutes } from "./routes/postmark-webhook";
import { reportRoutes } from "./routes/reports";
import { serviceRoutes } from "./routes/service";
import { suppressionRoutes } from "./routes/suppressions";
import { tenantRoutes } from "./routes/tenants";
import { testEmailRoutes } from "./routes/test-email";

export const MAX_BODY_BYTES = 1024 * 1024;

export const app = new Hono<AppEnv>();

app.use(secureHeaders());
app.use(bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => errorResponse(c, payloadTooLarge()) }));
app.use(
  "/v1/*",
  cors({
    origin: (origin, c) => (parseOrigins(c.env.ALLOWED_ORIGINS).includes(origin) ? origin : null),
    allowHeaders: ["Authorization", "Content-Type"],
    allowMethods: ["GET", "POST", "PUT", "DELETE", "OPTIONS"],
    exposeHeaders: ["Content-Disposition"],
    maxAge: 600,
  }),
);

app.route("/", serviceRoutes);

app.use("/v1/*", withConfig);
app.use("/webhooks/*", withConfig);
app.route("/v1/tenants", tenantRoutes);

// Everything a tenant token opens; each handler then acts on c.get("tenantId") only.
for (const path of ["/v1/email/*", "/v1/suppressions", "/v1/suppressions/*", "/v1/suppressions.csv", "/v1/reports/*"]) {
  app.use(path, requireTenant);
}
app.route("/v1/email/settings", emailSettingsRoutes);
app.route("/v1/email/test", testEmailRoutes);
app.route("/", postmarkWebhookRoutes); // /v1/email/webhook* (tenant) and /webhooks/postmark/:tenantId (Basic auth)
app.route("/", postmarkConnectionRoutes); // /v1/email/postmark
app.route("/v1", suppressionRoutes); // /v1/suppressions, /v1/suppressions.csv, /v1/suppressions/:email
app.route("/v1/reports", reportRoutes);
app.route("/", dashboardRoutes); // GET / and /assets/*

app.notFound((c) => errorResponse(c, notFound("This route")));
app.onError(handleError);
