// Every route of the API, described once. `scripts/build-openapi.ts` turns this list and the request
// schemas it names into the OpenAPI document served at /openapi.json (at build time, to keep the bundle small).
import type * as v from "valibot";
import { EmailSettingsInput } from "../schemas/email-settings";
import { SuppressionAddInput, SuppressionCheckInput } from "../schemas/suppressions";
import { CreateTenantInput } from "../schemas/tenants";
import { TestEmailInput } from "../schemas/test-email";

export type Auth = "none" | "admin" | "tenant" | "webhook";

export interface Operation {
  method: "get" | "post" | "put" | "delete";
  /** OpenAPI path template, e.g. /v1/tenants/{id} */
  path: string;
  tag: string;
  summary: string;
  auth: Auth;
  body?: v.GenericSchema;
  query?: Record<string, string>;
  /** status -> description */
  responses: Record<number, string>;
}

export const operations: Operation[] = [
  {
    method: "get",
    path: "/health",
    tag: "Service",
    summary: "Liveness and configuration check",
    auth: "none",
    responses: { 200: "The service is up", 503: "A secret or variable is missing or malformed" },
  },
  {
    method: "get",
    path: "/openapi.json",
    tag: "Service",
    summary: "This document",
    auth: "none",
    responses: { 200: "OpenAPI 3.1 document" },
  },

  {
    method: "post",
    path: "/v1/tenants",
    tag: "Operator",
    summary: "Create a tenant and its first access token (shown only here)",
    auth: "admin",
    body: CreateTenantInput,
    responses: { 201: "The tenant, with `token`", 400: "Invalid input" },
  },
  {
    method: "get",
    path: "/v1/tenants",
    tag: "Operator",
    summary: "List tenants",
    auth: "admin",
    responses: { 200: "`{items: [{id, name, createdAt}]}`" },
  },
  {
    method: "get",
    path: "/v1/tenants/{id}",
    tag: "Operator",
    summary: "One tenant",
    auth: "admin",
    responses: { 200: "`{id, name, createdAt}`", 404: "No such tenant" },
  },
  {
    method: "post",
    path: "/v1/tenants/{id}/tokens",
    tag: "Operator",
    summary: "Issue another access token; earlier ones stay valid until revoked",
    auth: "admin",
    responses: { 201: "`{token, id}`", 404: "No such tenant" },
  },
  {
    method: "get",
    path: "/v1/tenants/{id}/tokens",
    tag: "Operator",
    summary: "List a tenant's access tokens (ids and dates, never the tokens)",
    auth: "admin",
    responses: { 200: "`{items: [{id, createdAt, revokedAt}]}`", 404: "No such tenant" },
  },
  {
    method: "delete",
    path: "/v1/tenants/{id}/tokens/{tokenId}",
    tag: "Operator",
    summary: "Revoke an access token",
    auth: "admin",
    responses: { 204: "Revoked", 404: "No such live token" },
  },

  {
    method: "get",
    path: "/v1/email/settings",
    tag: "Email settings",
    summary:
      "The Postmark settings (the API key only as `{set, last4}`) and `lastTest`: the last test email's `{ok, code, to, at}` or null",
    auth: "tenant",
    responses: { 200: "The settings", 404: "`not_configured` before the first save" },
  },
  {
    method: "put",
    path: "/v1/email/settings",
    tag: "Email settings",
    summary: "Save the Postmark settings; omit `apiKey` to keep the stored one",
    auth: "tenant",
    body: EmailSettingsInput,
    responses: { 200: "The saved settings", 400: "`validation_failed` with `fields`" },
  },
  {
    method: "delete",
    path: "/v1/email/settings",
    tag: "Email settings",
    summary: "Remove the Postmark settings and the stored key",
    auth: "tenant",
    responses: { 204: "Removed" },
  },

  // Test email (issue 3)
  {
    method: "post",
    path: "/v1/email/test",
    tag: "Email settings",
    summary:
      "Send a test email over SMTP with STARTTLS, with the saved settings or with `settings` (not saved); answers within 20 s",
    auth: "tenant",
    body: TestEmailInput,
    responses: {
      200: "`{ok: true, to, from, host, port, tls: true, elapsedMs, hint}`, or `{ok: false, error: {code, message, hint}}` with code not_configured, recipient_suppressed, connection_failed, tls_failed, tls_unavailable, auth_failed, auth_unavailable, sender_rejected, recipient_rejected, message_rejected, timeout or smtp_error",
      400: "`validation_failed` with `fields` (an invalid address, a line break in a header value)",
      429: "`rate_limited`: more than 10 test emails in a minute",
    },
  },

  // Postmark webhook and its credentials (issue 4)
  {
    method: "get",
    path: "/v1/email/webhook",
    tag: "Postmark webhook",
    summary: "The callback URL to paste into Postmark, with its HTTP Basic credentials (created on first call)",
    auth: "tenant",
    responses: { 200: "`{url, username, password, urlWithCredentials}`" },
  },
  {
    method: "post",
    path: "/v1/email/webhook/rotate",
    tag: "Postmark webhook",
    summary: "New webhook credentials; the previous ones keep working for 24 hours",
    auth: "tenant",
    responses: { 200: "`{url, username, password, urlWithCredentials}` with the new credentials" },
  },
  {
    method: "post",
    path: "/webhooks/postmark/{tenantId}",
    tag: "Postmark webhook",
    summary:
      "Postmark posts one event here (bounce, spam complaint, subscription change; others are acknowledged and ignored)",
    auth: "webhook",
    responses: {
      200: '`{status: "stored" | "duplicate" | "ignored"}`',
      400: "`invalid_json`: the body is not a JSON object",
      413: "`payload_too_large`",
      503: "`storage_unavailable`: not stored, Postmark retries",
    },
  },

  // Suppressions (issue 4)
  {
    method: "get",
    path: "/v1/suppressions",
    tag: "Suppressions",
    summary: "Suppressed addresses in (email, stream) order, a page at a time",
    auth: "tenant",
    query: {
      email: "substring of the address",
      reason: "hard_bounce | spam_complaint | unsubscribe | manual",
      stream: "message stream",
      limit: "1..1000, default 50",
      cursor: "`nextCursor` of the previous page",
    },
    responses: { 200: "`{items: [suppression], nextCursor}`", 400: "`validation_failed` (e.g. a bad cursor)" },
  },
  {
    method: "get",
    path: "/v1/suppressions.csv",
    tag: "Suppressions",
    summary: "The whole list as CSV, streamed (same filters as the list)",
    auth: "tenant",
    query: { email: "substring of the address", reason: "reason", stream: "message stream" },
    responses: { 200: "`text/csv`: email,stream,reason,origin,suppressed_at,bounce_type", 400: "`validation_failed`" },
  },
  {
    method: "get",
    path: "/v1/suppressions/changes",
    tag: "Suppressions",
    summary: "Change feed: every change of an address's state after `since`, oldest first",
    auth: "tenant",
    query: {
      since: "`nextSince` of the previous answer; 0 or absent for the beginning",
      limit: "1..1000, default 100",
    },
    responses: {
      200: "`{items: [{email, stream, suppressed, reason, changedAt}], nextSince}`",
      400: "`validation_failed`",
    },
  },
  {
    method: "post",
    path: "/v1/suppressions/check",
    tag: "Suppressions",
    summary: "Which of up to 1000 addresses are suppressed",
    auth: "tenant",
    body: SuppressionCheckInput,
    responses: { 200: "`{suppressed: [{email, reason}]}`, only the suppressed ones", 400: "`validation_failed`" },
  },
  {
    method: "post",
    path: "/v1/suppressions",
    tag: "Suppressions",
    summary: "Suppress up to 1000 addresses by hand (origin api)",
    auth: "tenant",
    body: SuppressionAddInput,
    responses: { 200: "`{added: n}`: addresses not suppressed before", 400: "`validation_failed`" },
  },
  {
    method: "get",
    path: "/v1/suppressions/{email}",
    tag: "Suppressions",
    summary: "The suppression of one address",
    auth: "tenant",
    query: { stream: "message stream, default outbound" },
    responses: { 200: "The suppression", 404: "`not_found`: the address is active" },
  },
  {
    method: "delete",
    path: "/v1/suppressions/{email}",
    tag: "Suppressions",
    summary: "Reactivate an address",
    auth: "tenant",
    query: { stream: "message stream, default outbound" },
    responses: { 204: "Reactivated", 404: "`not_found`: not suppressed", 409: "`cannot_reactivate`: a spam complaint" },
  },

  // Reports (issue 4)
  {
    method: "get",
    path: "/v1/reports/bounces",
    tag: "Reports",
    summary: "Bounces by type and by day, spam complaints and the current number of suppressed addresses",
    auth: "tenant",
    query: {
      from: "first UTC date, default 29 days before `to`",
      to: "last UTC date, default today",
      stream: "message stream; all when absent",
    },
    responses: {
      200: "`{from, to, total, byType, byDay: [{date, count}], spamComplaints, suppressed}`",
      400: "`validation_failed`: a bad date or a range over 366 days",
    },
  },

  // Dashboard (issue 5)
  {
    method: "get",
    path: "/",
    tag: "Dashboard",
    summary: "The dashboard (HTML; its script and stylesheet are under /assets/). Sign in with a tenant access token",
    auth: "none",
    responses: { 200: "The dashboard page" },
  },
];
