import type { Context } from "hono";
import * as v from "valibot";
import { ApiError, validationFailed } from "./errors";

export const invalidJson = (why: string) =>
  new ApiError(400, "invalid_json", `The request body ${why}: send a JSON object with Content-Type: application/json.`);

/** Reads the body as a JSON object and validates it; every problem becomes a 400 naming the field. */
export async function readJsonBody<S extends v.GenericSchema>(c: Context, schema: S): Promise<v.InferOutput<S>> {
  const data = await readJsonObject(c);
  return validate(schema, data);
}

/** The body parsed as a JSON object, or a 400 for an empty, malformed or non-object body. */
export async function readJsonObject(c: Context): Promise<Record<string, unknown>> {
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

export function validate<S extends v.GenericSchema>(schema: S, data: unknown): v.InferOutput<S> {
  const result = v.safeParse(schema, data);
  if (result.success) return result.output;
  throw validationFailed(issuesToFields(result.issues));
}

/** One message per field (the first problem found), keyed by the field's dotted path. */
export function issuesToFields(issues: readonly v.BaseIssue<unknown>[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of issues) {
    const field = v.getDotPath(issue) ?? "body";
    if (field in fields) continue;
    fields[field] = issue.received === "undefined" && issue.kind === "schema" ? "is required" : issue.message;
  }
  return fields;
}
