// A route's declaration: what it accepts and answers, in one object that the router registers (its auth and
// its validators, src/http/route.ts) and scripts/build-openapi.ts documents. Pure data, no I/O, so the
// build can read it in Node.
import type * as v from "valibot";

/** Who may call a route: nobody in particular, the operator, a tenant (access token), Postmark (Basic). */
export type Auth = "none" | "admin" | "tenant" | "webhook";

export interface RouteDeclaration {
  method: "get" | "post" | "put" | "delete";
  /** The public path, with parameters in braces as OpenAPI writes them: /v1/suppressions/{email} */
  path: string;
  tag: string;
  summary: string;
  auth: Auth;
  /** Schemas of the path parameters, the query string and the JSON body (each an object schema). */
  params?: v.GenericSchema;
  query?: v.GenericSchema;
  body?: v.GenericSchema;
  /** Status -> what it means, with the schema of a JSON answer. 4xx and 5xx answer in the one error shape. */
  responses: Record<number, string | { description: string; body: v.GenericSchema }>;
}

/** Declares a route, keeping the literal types of its schemas for `c.req.valid(...)`. */
export const declareRoute = <const D extends RouteDeclaration>(declaration: D): D => declaration;
