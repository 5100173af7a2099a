// Operator routes: tenant management under the ADMIN_TOKEN.
import { Hono } from "hono";
import { createTenant, getTenant, issueToken, listTenants, listTokens, revokeToken } from "../db/tenants";
import type { AppEnv } from "../http/app-env";
import { requireAdmin } from "../http/auth";
import { notFound } from "../http/errors";
import { readJsonBody } from "../http/json-body";
import { CreateTenantInput } from "../schemas/tenants";

export const tenantRoutes = new Hono<AppEnv>()
  .use(requireAdmin)
  .post("/", async (c) => {
    const { name } = await readJsonBody(c, CreateTenantInput);
    const tenant = await createTenant(c.env.DB, name);
    return c.json(
      {
        id: tenant.id,
        name: tenant.name,
        createdAt: tenant.createdAt,
        token: tenant.token.token,
        tokenId: tenant.token.id,
      },
      201,
    );
  })
  .get("/", async (c) => c.json({ items: await listTenants(c.env.DB) }))
  .get("/:id", async (c) => {
    const tenant = await getTenant(c.env.DB, c.req.param("id"));
    if (!tenant) throw notFound("This tenant");
    return c.json(tenant);
  })
  .post("/:id/tokens", async (c) => {
    const tenant = await getTenant(c.env.DB, c.req.param("id"));
    if (!tenant) throw notFound("This tenant");
    const issued = await issueToken(c.env.DB, tenant.id);
    return c.json({ token: issued.token, id: issued.id }, 201);
  })
  .get("/:id/tokens", async (c) => {
    const tenant = await getTenant(c.env.DB, c.req.param("id"));
    if (!tenant) throw notFound("This tenant");
    return c.json({ items: await listTokens(c.env.DB, tenant.id) });
  })
  .delete("/:id/tokens/:tokenId", async (c) => {
    const revoked = await revokeToken(c.env.DB, c.req.param("id"), c.req.param("tokenId"));
    if (!revoked) throw notFound("This token");
    return c.body(null, 204);
  });
