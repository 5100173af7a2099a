// Operator routes: tenants and their access tokens, under the ADMIN_TOKEN.
import * as v from "valibot";
import { singleLineText } from "./common";
import { declareRoute } from "./route";

const CreateTenantInput = v.object({
  name: v.pipe(singleLineText(200), v.nonEmpty("must not be empty")),
});

const Tenant = v.strictObject({ id: v.string(), name: v.string(), createdAt: v.string() });
const IssuedToken = v.strictObject({ token: v.string(), id: v.string() });
const TokenInfo = v.strictObject({ id: v.string(), createdAt: v.string(), revokedAt: v.nullable(v.string()) });

const tag = "Operator";

export const tenantsApi = {
  create: declareRoute({
    method: "post",
    path: "/v1/tenants",
    tag,
    summary: "Create a tenant and its first access token (shown only here)",
    auth: "admin",
    body: CreateTenantInput,
    responses: {
      201: {
        description: "The tenant, with its first access token (shown only here)",
        body: v.strictObject({ ...Tenant.entries, token: v.string(), tokenId: v.string() }),
      },
      400: "Invalid input",
    },
  }),
  list: declareRoute({
    method: "get",
    path: "/v1/tenants",
    tag,
    summary: "List tenants",
    auth: "admin",
    responses: { 200: { description: "Every tenant", body: v.strictObject({ items: v.array(Tenant) }) } },
  }),
  get: declareRoute({
    method: "get",
    path: "/v1/tenants/{id}",
    tag,
    summary: "One tenant",
    auth: "admin",
    responses: { 200: { description: "The tenant", body: Tenant }, 404: "No such tenant" },
  }),
  issueToken: declareRoute({
    method: "post",
    path: "/v1/tenants/{id}/tokens",
    tag,
    summary: "Issue another access token; earlier ones stay valid until revoked",
    auth: "admin",
    responses: { 201: { description: "The new token (shown only here)", body: IssuedToken }, 404: "No such tenant" },
  }),
  listTokens: declareRoute({
    method: "get",
    path: "/v1/tenants/{id}/tokens",
    tag,
    summary: "List a tenant's access tokens (ids and dates, never the tokens)",
    auth: "admin",
    responses: {
      200: { description: "The tenant's tokens", body: v.strictObject({ items: v.array(TokenInfo) }) },
      404: "No such tenant",
    },
  }),
  revokeToken: declareRoute({
    method: "delete",
    path: "/v1/tenants/{id}/tokens/{tokenId}",
    tag,
    summary: "Revoke an access token",
    auth: "admin",
    responses: { 204: "Revoked", 404: "No such live token" },
  }),
};
