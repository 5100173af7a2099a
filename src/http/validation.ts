// Request validation as middleware: a route's declared schemas (src/schemas/) check its path parameters,
// query and JSON body before the handler runs; the handler reads the results with `c.req.valid(...)`.
// Every problem is a 400 in the one error shape, with a message per field.
import type { Context, MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import type { ValidationTargets } from "hono/types";
import * as v from "valibot";
import type { AppEnv } from "./app-env";
import { ApiError, validationFailed } from "./errors";

export const invalidJson = (why: string) =>
  new ApiError(400, "invalid_json", `The request body ${why}: send a JSON object with Content-Type: application/json.`);

/**
 * The guard in front of every JSON body: the body parsed as a JSON object, or a 400 `invalid_json` for an
 * empty, malformed or non-object body. The one place where a JSON body is read, so the one place for any
 * rule about it (hono's own JSON validator is not used: without a JSON Content-Type it validates `{}`).
 */
async function readJsonObject(c: Context): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  if (text.trim() === "") throw invalidJson("is empty");
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw invalidJson("is not valid JSON");
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) throw invalidJson("is not a JSON object");
  return data as Record<string, unknown>;
}

/** `data` checked against `schema`: its output, or a 400 `validation_failed` naming each bad field. */
function validate<S extends v.GenericSchema>(schema: S, data: unknown): v.InferOutput<S> {
  const result = v.safeParse(schema, data);
  if (result.success) return result.output;
  throw validationFailed(issuesToFields(result.issues));
}

/** One message per field (the first problem found), keyed by the field's dotted path. */
function issuesToFields(issues: readonly v.BaseIssue<unknown>[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of issues) {
    const field = v.getDotPath(issue) ?? "body";
    if (field in fields) continue;
    fields[field] = issue.received === "undefined" && issue.kind === "schema" ? "is required" : issue.message;
  }
  return fields;
}

type Target = "json" | "query" | "param";

const READ: Record<Target, (c: Context) => unknown> = {
  json: readJsonObject,
  // One value per name (the first of a repeated one), as the schemas expect strings.
  query: (c) => c.req.query(),
  param: (c) => c.req.param(),
};

/** Validates one part of the request; the handler reads the output with `c.req.valid(target)`. */
export function validated<T extends Target, S extends v.GenericSchema>(
  target: T,
  schema: S,
): MiddlewareHandler<AppEnv, string, { out: { [K in T]: v.InferOutput<S> } }> {
  return createMiddleware<AppEnv>(async (c, next) => {
    c.req.addValidatedData(target, validate(schema, await READ[target](c)) as ValidationTargets[T]);
    await next();
  });
}
