// Operator routes: tenant management under the ADMIN_TOKEN.
import { Hono } from "hono";
import { createTenant, getTenant, issueToken, listTenants, listTokens, revokeToken } from "../db/tenants";
import type { AppEnv } from "../http/app-env";
import { notFound } from "../http/errors";
import { register } from "../http/route";
import { tenantsApi as api } from "../schemas/tenants";

export const tenantRoutes = new Hono<AppEnv>();

register(tenantRoutes, api.create, async (c) => {
  const tenant = await createTenant(c.env.DB, c.req.valid("json").name);
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
});

register(tenantRoutes, api.list, async (c) => c.json({ items: await listTenants(c.env.DB) }));

register(tenantRoutes, api.get, async (c) => {
  const tenant = await getTenant(c.env.DB, c.req.param("id") ?? "");
  if (!tenant) throw notFound("This tenant");
  return c.json(tenant);
});

register(tenantRoutes, api.issueToken, async (c) => {
  const tenant = await getTenant(c.env.DB, c.req.param("id") ?? "");
  if (!tenant) throw notFound("This tenant");
  const issued = await issueToken(c.env.DB, tenant.id);
  return c.json({ token: issued.token, id: issued.id }, 201);
});

register(tenantRoutes, api.listTokens, async (c) => {
  const tenant = await getTenant(c.env.DB, c.req.param("id") ?? "");
  if (!tenant) throw notFound("This tenant");
  return c.json({ items: await listTokens(c.env.DB, tenant.id) });
});

register(tenantRoutes, api.revokeToken, async (c) => {
  const revoked = await revokeToken(c.env.DB, c.req.param("id") ?? "", c.req.param("tokenId") ?? "");
  if (!revoked) throw notFound("This token");
  return c.body(null, 204);
});
