import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ConfigError } from "../config";
import { SecretUnavailableError } from "../crypto/secret-box";
import { PostmarkRefused, PostmarkUnavailable } from "../postmark/api/errors";

/** A failure to report to the client in the one error shape of the API. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly fields?: Record<string, string>,
    /** Response headers that go with it (Retry-After). */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

/** 429 with the seconds to wait, in the message and in Retry-After. */
export const rateLimited = (code: string, message: string, retryAfterSeconds: number) =>
  new ApiError(429, code, `${message} Try again in ${retryAfterSeconds} s.`, undefined, {
    "Retry-After": String(retryAfterSeconds),
  });

export const unauthorized = () =>
  new ApiError(
    401,
    "unauthorized",
    "Missing or invalid credentials: send a valid token as 'Authorization: Bearer <token>'.",
  );

export const notFound = (what = "This resource") => new ApiError(404, "not_found", `${what} was not found.`);

export const validationFailed = (fields: Record<string, string>) =>
  new ApiError(400, "validation_failed", "Some fields are invalid: correct them and try again.", fields);

/** The largest request body accepted (app.ts); larger ones get `payloadTooLarge`. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** A Postmark API failure as an answer: refused -> 502 postmark_error, unavailable -> 503 postmark_unavailable. */
export function postmarkApiError(err: PostmarkRefused | PostmarkUnavailable): ApiError {
  if (err instanceof PostmarkRefused) {
    return new ApiError(
      502,
      "postmark_error",
      `Postmark refused the request (HTTP ${err.status}, ErrorCode ${err.errorCode}): ${err.message}`,
    );
  }
  return new ApiError(503, "postmark_unavailable", `Postmark could not be reached: ${err.reason}. Try again later.`);
}

export const payloadTooLarge = () =>
  new ApiError(
    413,
    "payload_too_large",
    `The request body is larger than ${MAX_BODY_BYTES / (1024 * 1024)} MiB: send less data per request.`,
  );

function errorBody(error: ApiError) {
  return {
    error: {
      code: error.code,
      message: error.message,
      ...(error.fields ? { fields: error.fields } : {}),
    },
  };
}

export function errorResponse(c: Context, error: ApiError) {
  return c.json(errorBody(error), error.status, error.headers);
}

/** The one log line format for failures: what failed, then the error's name and message only (a stack or a
 * request dump could carry secrets). */
export function logError(what: string, err: unknown): void {
  console.error(`${what}: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
}

/** The single place where thrown errors become answers: known ones as they are, the rest as a bare 500. */
export function handleError(err: unknown, c: Context) {
  if (err instanceof ApiError) return errorResponse(c, err);
  if (err instanceof PostmarkRefused || err instanceof PostmarkUnavailable) {
    return errorResponse(c, postmarkApiError(err));
  }
  if (err instanceof ConfigError) {
    logError("configuration error", err);
    return errorResponse(
      c,
      new ApiError(503, "service_misconfigured", `The service is not configured correctly: ${err.message}`),
    );
  }
  if (err instanceof SecretUnavailableError) {
    // ENCRYPTION_KEY was replaced without listing the old one in ENCRYPTION_KEY_PREVIOUS.
    logError("configuration error", err);
    return errorResponse(
      c,
      new ApiError(
        503,
        "service_misconfigured",
        "A stored secret was sealed under an encryption key that is no longer configured: list that key in ENCRYPTION_KEY_PREVIOUS, or store the secret again (rotate the webhook credentials, save the API key).",
      ),
    );
  }
  if (err instanceof HTTPException) {
    if (err.status === 413) return errorResponse(c, payloadTooLarge());
    const status = err.status as ContentfulStatusCode;
    const res = errorResponse(
      c,
      new ApiError(status, status === 401 ? "unauthorized" : "bad_request", "The request was refused."),
    );
    // The exception's own response headers (a WWW-Authenticate challenge, Retry-After...) still apply.
    for (const [name, value] of err.res?.headers ?? []) {
      if (name !== "content-type" && name !== "content-length") res.headers.set(name, value);
    }
    return res;
  }
  logError(`unhandled error on ${c.req.method} ${c.req.path}`, err);
  return errorResponse(
    c,
    new ApiError(500, "internal_error", "Something went wrong on our side; try again in a moment."),
  );
}
