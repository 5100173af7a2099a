import type { Context } from "hono";
import * as v from "valibot";
import { ApiError, validationFailed } from "./errors";

export const invalidJson = (why: string) =>
  new ApiError(400, "invalid_json", `The request body ${why}: send a JSON object with Content-Type: application/json.`);

export const unsupportedMediaType = () =>
  new ApiError(
    415,
    "unsupported_media_type",
    "The request body must be JSON in UTF-8: send it with Content-Type: application/json.",
  );

/** application/json or application/<anything>+json (RFC 6839), compared without case. */
const JSON_MEDIA_TYPE = /^application\/(?:[a-z0-9!#$&^_.+-]+\+)?json$/;

/**
 * Refuses (415) a body whose Content-Type is missing or not JSON, so that a form or a text/plain body (which a
 * browser sends cross-site without a preflight) is never read as JSON. Parameters are allowed; a charset
 * must be UTF-8, the only encoding the body is read in.
 */
export function requireJsonContentType(c: Context): void {
  const [type = "", ...parameters] = (c.req.header("Content-Type") ?? "").split(";");
  if (!JSON_MEDIA_TYPE.test(type.trim().toLowerCase())) throw unsupportedMediaType();
  for (const parameter of parameters) {
    const [name = "", value = ""] = parameter.split("=");
    const charset = value
      .trim()
      .replace(/^"(.*)"$/, "$1")
      .toLowerCase();
    if (name.trim().toLowerCase() === "charset" && charset !== "utf-8" && charset !== "utf8")
      throw unsupportedMediaType();
  }
}

/** Reads the body as a JSON object and validates it; every problem becomes a 400 naming the field. */
export async function readJsonBody<S extends v.GenericSchema>(c: Context, schema: S): Promise<v.InferOutput<S>> {
  const data = await readJsonObject(c);
  return validate(schema, data);
}

/** The body parsed as a JSON object: 415 unless it says it is JSON, 400 for an empty, malformed or non-object body. */
export async function readJsonObject(c: Context): Promise<Record<string, unknown>> {
  requireJsonContentType(c);
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
