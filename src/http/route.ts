// Registers a declared route (src/schemas/route.ts) on a router: the auth its declaration names, the
// validators of its schemas, then the handler. So a route's auth and validation are where it is declared,
// and the OpenAPI document (built from the same declarations) cannot disagree with what is enforced.
import type { Handler, Hono, MiddlewareHandler } from "hono";
import type * as v from "valibot";
import type { Auth, RouteDeclaration } from "../schemas/route";
import type { AppEnv } from "./app-env";
import { requireAdmin, requireTenant, withConfig } from "./auth";
import { validated } from "./validation";
import { requirePostmarkWebhook } from "./webhook-auth";

const AUTH: Record<Auth, MiddlewareHandler<AppEnv>[]> = {
  none: [],
  admin: [withConfig, requireAdmin],
  tenant: [withConfig, requireTenant],
  webhook: [withConfig, requirePostmarkWebhook],
};

type Valid<D, K extends keyof D, T extends string> = D[K] extends v.GenericSchema
  ? { [_ in T]: v.InferOutput<D[K]> }
  : Record<never, never>;

/** What `c.req.valid(...)` returns in the handler of `D`. */
type ValidInput<D extends RouteDeclaration> = {
  out: Valid<D, "params", "param"> & Valid<D, "query", "query"> & Valid<D, "body", "json">;
};

export function register<D extends RouteDeclaration>(
  router: Hono<AppEnv>,
  declaration: D,
  handler: Handler<AppEnv, string, ValidInput<D>>,
): void {
  const { method, path, params, query, body, auth } = declaration;
  const validators = [
    ...(params ? [validated("param", params)] : []),
    ...(query ? [validated("query", query)] : []),
    ...(body ? [validated("json", body)] : []),
  ];
  const handlers = [...AUTH[auth], ...validators, handler] as MiddlewareHandler<AppEnv>[];
  router.on(method.toUpperCase(), path.replace(/\{(\w+)\}/g, ":$1"), ...(handlers as [MiddlewareHandler<AppEnv>]));
}
