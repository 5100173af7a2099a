// Unauthenticated service routes: health and the API description.
import { Hono } from "hono";
import { ConfigError, configErrorMessage, loadConfig } from "../config";
import openapi from "../generated/openapi.json";
import type { AppEnv } from "../http/app-env";
import { register } from "../http/route";
import { serviceApi as api } from "../schemas/service";

export const serviceRoutes = new Hono<AppEnv>();

register(serviceRoutes, api.health, async (c) => {
  try {
    await loadConfig(c.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return c.json(
      { ok: false, error: { code: "service_misconfigured", message: configErrorMessage(err, c.req.url) } },
      503,
    );
  }
  return c.json({ ok: true });
});

register(serviceRoutes, api.openapi, (c) => c.json(openapi));
