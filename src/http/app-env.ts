import type { Config } from "../config";

/** Hono's type parameters for this Worker: bindings from wrangler.toml, values set by middleware. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    config: Config;
    /** The tenant the request's access token belongs to (set by `requireTenant`). */
    tenantId: string;
  };
}
