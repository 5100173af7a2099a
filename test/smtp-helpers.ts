// Helpers for the test-email tests: point a tenant at one of the globalSetup's SMTP servers, send, and ask
// the Node-side inspector what that server saw.
import { env } from "cloudflare:workers";
import { expect, inject } from "vitest";
import { call, configureEmail, type TestTenant, VALID_SETTINGS } from "./helpers";
import { deliver, getWebhook } from "./postmark-helpers";
import type { SmtpServerName } from "./provided-context";

export const smtp = inject("smtp");
/** The lowered deadline the suite runs with (vitest.config.ts); production uses SMTP_DEADLINE_MS. */
export const TEST_DEADLINE_MS = Number(env.TEST_SMTP_DEADLINE_MS);

export interface ServerState {
  connections: number;
  openConnections: number;
  plainText: string;
  messages: { from: string; to: string[]; raw: string; secure: boolean; authUser?: string }[];
  /** Each session's commands as the server read them (AUTH redacted), oldest session first. */
  sessions: string[][];
}

export async function serverState(name: SmtpServerName): Promise<ServerState> {
  const res = await fetch(`${smtp.inspectorUrl}/${name}`);
  expect(res.status).toBe(200);
  return res.json();
}

/** Settings (as PUT takes them) that point at a test server, with the token it accepts unless told otherwise. */
export const settingsFor = (name: SmtpServerName, extra: Record<string, unknown> = {}) => ({
  ...VALID_SETTINGS,
  host: "127.0.0.1",
  port: smtp.ports[name],
  apiKey: smtp.token,
  ...extra,
});

export const useServer = (tenant: TestTenant, name: SmtpServerName, extra: Record<string, unknown> = {}) =>
  configureEmail(tenant, settingsFor(name, extra));

export interface TestEmailAnswer {
  ok: boolean;
  to?: string;
  from?: string;
  host?: string;
  port?: number;
  tls?: boolean;
  elapsedMs?: number;
  hint?: string;
  error?: { code: string; message: string; hint: string; fields?: Record<string, string> };
}

export const uniqueRecipient = (label: string) => `${label}-${crypto.randomUUID().slice(0, 8)}@example.com`;

/** The messages the Postmark-like server received for `to`. */
export async function arrivedAt(to: string) {
  const { messages } = await serverState("postmark");
  return messages.filter((m) => m.to.includes(to));
}

/** POST /v1/email/test, timed from the client's side. */
export async function sendTest(tenant: TestTenant, json: unknown) {
  const started = Date.now();
  const res = await call("/v1/email/test", { method: "POST", token: tenant.token, json });
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) as TestEmailAnswer, ms: Date.now() - started };
}

/** The token in every form an SMTP client could put on the wire. */
export const tokenForms = (token = smtp.token) => [token, btoa(token), btoa(`\0${token}\0${token}`)];

export function expectTokenNeverInPlainText(state: ServerState) {
  for (const form of tokenForms()) expect(state.plainText).not.toContain(form);
  expect(state.plainText).not.toMatch(/^AUTH/m);
}

/** Polls until the server has no open connection: the Worker hung up. */
export async function expectServerHungUp(name: SmtpServerName, withinMs = 1000) {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const { openConnections } = await serverState(name);
    if (openConnections === 0) return;
    if (Date.now() > deadline) expect(openConnections, `${name} still has an open connection`).toBe(0);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function auditRows(tenantId: string) {
  const { results } = await env.DB.prepare("SELECT * FROM test_sends WHERE tenant_id = ?1 ORDER BY started_at")
    .bind(tenantId)
    .all<Record<string, unknown>>();
  return results;
}

/** Suppresses an address the way it happens in production: Postmark posts a hard bounce to the callback URL. */
export async function suppress(tenant: TestTenant, email: string, stream = "outbound") {
  const webhook = await getWebhook(tenant);
  const bounce = {
    RecordType: "Bounce",
    ID: Date.now() * 1000 + Math.floor(Math.random() * 1000),
    Type: "HardBounce",
    Email: email,
    MessageStream: stream,
    BouncedAt: new Date().toISOString(),
    Inactive: true,
    CanActivate: true,
  };
  await deliver({ ...tenant, webhook }, JSON.stringify(bounce));
}
