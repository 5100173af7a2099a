import { createMiddleware } from "hono/factory";
import { loadConfig } from "../config";
import { constantTimeEqual, sha256Hex } from "../crypto/tokens";
import { findLiveToken } from "../db/tenants";
import type { AppEnv } from "./app-env";
import { unauthorized } from "./errors";

// Not hono's bearerAuth: it answers a malformed Authorization header with 400 and builds its own responses;
// the API answers every credential problem with the same 401 in its error shape.
function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer[ ]+([^\s]+)\s*$/i.exec(header ?? "");
  return match?.[1] ?? null;
}

/** Loads and checks the configuration first, so a misconfigured deployment says so instead of failing later. */
export const withConfig = createMiddleware<AppEnv>(async (c, next) => {
  c.set("config", await loadConfig(c.env));
  await next();
});

/** Operator routes: `Authorization: Bearer <ADMIN_TOKEN>`, compared in constant time. */
export const requireAdmin = createMiddleware<AppEnv>(async (c, next) => {
  const token = bearerToken(c.req.header("Authorization"));
  if (!token || !(await constantTimeEqual(token, c.get("config").adminToken))) throw unauthorized();
  await next();
});

/** Tenant routes: a live tenant access token; everything after acts on that tenant only. */
export const requireTenant = createMiddleware<AppEnv>(async (c, next) => {
  const token = bearerToken(c.req.header("Authorization"));
  if (!token) throw unauthorized();
  const hash = await sha256Hex(token);
  const row = await findLiveToken(c.env.DB, hash);
  // The lookup is by hash; the constant-time check guards against any index-side shortcut.
  if (!row || !(await constantTimeEqual(hash, row.token_hash))) throw unauthorized();
  c.set("tenantId", row.tenant_id);
  await next();
});
