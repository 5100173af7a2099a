// The Worker's HTTP surface: global middleware, the routers, and the one error handler. Each route carries
// its own auth and validation from its declaration (src/schemas/, registered by src/http/route.ts), so
// nothing here lists paths.
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { secureHeaders } from "hono/secure-headers";
import { parseOrigins } from "./config";
import { dashboardRoutes } from "./dashboard/routes";
import type { AppEnv } from "./http/app-env";
import { errorResponse, handleError, MAX_BODY_BYTES, notFound, payloadTooLarge } from "./http/errors";
import { callbackUrlRoutes } from "./routes/callback-url";
import { deadLetterRoutes } from "./routes/dead-letters";
import { deliverabilityRoutes } from "./routes/deliverability";
import { emailSettingsRoutes } from "./routes/email-settings";
import { notificationRoutes } from "./routes/notifications";
import { postmarkConnectionRoutes } from "./routes/postmark-connection";
import { postmarkWebhookRoutes } from "./routes/postmark-webhook";
import { reportRoutes } from "./routes/reports";
import { serviceRoutes } from "./routes/service";
import { suppressionRoutes } from "./routes/suppressions";
import { tenantRoutes } from "./routes/tenants";
import { testEmailRoutes } from "./routes/test-email";

/** Everything a tenant access token opens; each handler then acts on c.get("tenantId") only. */
const tenantApi = new Hono<AppEnv>()
  .route("/", emailSettingsRoutes)
  .route("/", testEmailRoutes)
  .route("/", callbackUrlRoutes)
  .route("/", postmarkConnectionRoutes)
  .route("/", suppressionRoutes)
  .route("/", reportRoutes)
  .route("/", deliverabilityRoutes)
  .route("/", notificationRoutes);

export const app = new Hono<AppEnv>();

app.use(secureHeaders());
app.use(bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => errorResponse(c, payloadTooLarge()) }));
app.use(
  "/v1/*",
  cors({
    origin: (origin, c) => (parseOrigins(c.env.ALLOWED_ORIGINS).includes(origin) ? origin : null),
    allowHeaders: ["Authorization", "Content-Type"],
    allowMethods: ["GET", "POST", "PUT", "DELETE", "OPTIONS"],
    exposeHeaders: ["Content-Disposition", "Postmark-Sync"],
    maxAge: 600,
  }),
);

app.route("/", serviceRoutes); // /health, /openapi.json
app.route("/", tenantRoutes); // /v1/tenants... (the operator, ADMIN_TOKEN)
app.route("/", deadLetterRoutes); // /v1/dead-letters... (the operator, ADMIN_TOKEN)
app.route("/", tenantApi);
app.route("/", postmarkWebhookRoutes); // POST /webhooks/postmark/:tenantId (Postmark, HTTP Basic)
app.route("/", dashboardRoutes); // GET / and /assets/*

app.notFound((c) => errorResponse(c, notFound("This route")));
app.onError(handleError);
