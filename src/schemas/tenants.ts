// Operator routes: tenants and their access tokens, under the ADMIN_TOKEN.
import * as v from "valibot";
import { singleLineText } from "./common";
import { declareRoute } from "./route";

const CreateTenantInput = v.object({
  name: v.pipe(singleLineText(200), v.nonEmpty("must not be empty")),
});

const tag = "Operator";

export const tenantsApi = {
  create: declareRoute({
    method: "post",
    path: "/v1/tenants",
    tag,
    summary: "Create a tenant and its first access token (shown only here)",
    auth: "admin",
    body: CreateTenantInput,
    responses: { 201: "The tenant, with `token`", 400: "Invalid input" },
  }),
  list: declareRoute({
    method: "get",
    path: "/v1/tenants",
    tag,
    summary: "List tenants",
    auth: "admin",
    responses: { 200: "`{items: [{id, name, createdAt}]}`" },
  }),
  get: declareRoute({
    method: "get",
    path: "/v1/tenants/{id}",
    tag,
    summary: "One tenant",
    auth: "admin",
    responses: { 200: "`{id, name, createdAt}`", 404: "No such tenant" },
  }),
  issueToken: declareRoute({
    method: "post",
    path: "/v1/tenants/{id}/tokens",
    tag,
    summary: "Issue another access token; earlier ones stay valid until revoked",
    auth: "admin",
    responses: { 201: "`{token, id}`", 404: "No such tenant" },
  }),
  listTokens: declareRoute({
    method: "get",
    path: "/v1/tenants/{id}/tokens",
    tag,
    summary: "List a tenant's access tokens (ids and dates, never the tokens)",
    auth: "admin",
    responses: { 200: "`{items: [{id, createdAt, revokedAt}]}`", 404: "No such tenant" },
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
