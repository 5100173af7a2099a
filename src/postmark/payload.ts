// Reading a Postmark webhook body: JSON without losing the 64-bit bounce ID, and a trimmed copy for audit.

export type WebhookBody = { kind: "object"; value: Record<string, unknown> } | { kind: "invalid"; why: string };

/** Content dumps above this many characters are not kept in the audit copy. */
export const MAX_CONTENT_CHARS = 8 * 1024;
/** The audit copy of one event never exceeds this many characters. */
const MAX_AUDIT_CHARS = 64 * 1024;

/**
 * Keeps every "ID" number as its exact source text: bounce IDs exceed 2^53 and a plain JSON.parse rounds
 * them (4323372036854775807 -> 4323372036854776000). Uses JSON.parse source text access (workerd's V8);
 * where that is missing, an ID that cannot be represented exactly is dropped rather than corrupted.
 */
function keepIdsExact(this: unknown, key: string, value: unknown, context?: { source?: string }): unknown {
  if (key !== "ID" || typeof value !== "number") return value;
  if (context?.source !== undefined) return context.source;
  return Number.isSafeInteger(value) ? String(value) : null;
}

export function parseWebhookBody(text: string): WebhookBody {
  // The contract: a body that is not a JSON object is 400, an empty one included.
  if (text.trim() === "") return { kind: "invalid", why: "is empty" };
  let value: unknown;
  try {
    value = JSON.parse(text, keepIdsExact as (key: string, value: unknown) => unknown);
  } catch (err) {
    // A RangeError here is nesting deep enough to exhaust the stack: no Postmark event looks like that.
    return { kind: "invalid", why: err instanceof RangeError ? "is nested too deeply" : "is not valid JSON" };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value))
    return { kind: "invalid", why: "is not a JSON object" };
  return { kind: "object", value: value as Record<string, unknown> };
}

/** The payload as received, for audit: verbatim unless a large Content dump has to go (or it is huge). */
export function auditCopy(text: string, payload: Record<string, unknown>): string {
  const content = payload.Content;
  let copy = text;
  if (typeof content === "string" && content.length > MAX_CONTENT_CHARS) {
    copy = JSON.stringify({ ...payload, Content: `[${content.length} characters not kept]` });
  }
  if (copy.length > MAX_AUDIT_CHARS) {
    copy = JSON.stringify({ truncated: true, originalLength: copy.length, head: copy.slice(0, MAX_AUDIT_CHARS) });
  }
  return copy;
}
