// One SMTP server per way a send can fail: each answer has the right code and an actionable hint, comes
// within the deadline, leaves no connection open, and the token never crossed the wire in plain text.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../src/index";
import { SMTP_DEADLINE_MS } from "../src/postmark/smtp-test-send";
import { createTenant, ORIGIN } from "./helpers";
import type { SmtpServerName } from "./provided-context";
import {
  auditRows,
  expectServerHungUp,
  expectTokenNeverInPlainText,
  sendTest,
  serverState,
  TEST_DEADLINE_MS,
  useServer,
} from "./smtp-helpers";

/** Room for D1 and TLS around the SMTP deadline; the API's own promise is 20 s. */
const SLACK_MS = 1500;

interface Case {
  server: SmtpServerName;
  code: string;
  message: RegExp;
  hint: RegExp;
  /** The server stalls: the answer must take the whole deadline, no less. */
  stalls?: boolean;
  apiKey?: string;
}

const cases: Case[] = [
  {
    server: "tokenCheck",
    apiKey: "account-token-not-server-token",
    code: "auth_failed",
    message: /535/,
    hint: /Server API token.*not the Account token/,
  },
  {
    server: "noStartTls",
    code: "tls_unavailable",
    message: /does not offer STARTTLS.*not sent/,
    hint: /STARTTLS.*587/,
  },
  { server: "untrustedCertificate", code: "tls_failed", message: /TLS handshake .* failed/, hint: /certificate/ },
  { server: "rejectsSender", code: "sender_rejected", message: /news@acme\.example.*550/, hint: /sender signature/i },
  { server: "rejectsRecipient", code: "recipient_rejected", message: /person@example\.com.*550/, hint: /address/ },
  { server: "rejectsMessage", code: "message_rejected", message: /554/, hint: /message stream "outbound"/ },
  { server: "nothingListening", code: "connection_failed", message: /Could not connect/, hint: /port 25, 2525 or 587/ },
  {
    server: "closesAtOnce",
    code: "connection_failed",
    message: /closed the connection before greeting/,
    hint: /host and port/,
  },
  { server: "dropsMidMessage", code: "smtp_error", message: /closed the connection.*not sent/, hint: /Try again/ },
  // The peer's bytes are not echoed: the answer must not turn the test send into a banner grabber.
  {
    server: "answersGarbage",
    code: "smtp_error",
    message: /answered something that is not SMTP\.$/,
    hint: /SMTP server/,
  },
  {
    server: "silent",
    code: "timeout",
    message: /did not answer within 3 s \(waiting for its greeting\)/,
    hint: /465 never answers/,
    stalls: true,
  },
  {
    server: "stallsMidGreeting",
    code: "timeout",
    message: /did not answer within 3 s/,
    hint: /host and port/,
    stalls: true,
  },
  {
    server: "stallsAfterMessage",
    code: "timeout",
    message: /did not confirm the message .* may or may not have been delivered/,
    hint: /Activity/,
    stalls: true,
  },
];

describe("every failure has its code, a hint, and an answer within the deadline", () => {
  for (const c of cases) {
    it(`${c.server} -> ${c.code}`, async () => {
      const tenant = await createTenant();
      await useServer(tenant, c.server, c.apiKey ? { apiKey: c.apiKey } : {});
      const before = await serverState(c.server).catch(() => null);

      const { status, body, ms } = await sendTest(tenant, { to: "person@example.com" });
      expect(status).toBe(200);
      expect(body).toEqual({
        ok: false,
        error: { code: c.code, message: expect.stringMatching(c.message), hint: expect.stringMatching(c.hint) },
      });
      expect(ms).toBeLessThan(TEST_DEADLINE_MS + SLACK_MS);
      if (c.stalls) expect(ms).toBeGreaterThanOrEqual(TEST_DEADLINE_MS - 50);
      expect((await auditRows(tenant.id)).map((r) => r.outcome)).toEqual([c.code]);

      if (c.server === "nothingListening") return;
      const after = await serverState(c.server);
      expect(after.connections).toBe(before!.connections + 1);
      expect(after.messages).toHaveLength(0);
      await expectServerHungUp(c.server);
      expectTokenNeverInPlainText(after);
    });
  }

  it("stops a server without STARTTLS before AUTH, although that server would take AUTH in plain text", async () => {
    const tenant = await createTenant();
    await useServer(tenant, "noStartTls");
    await sendTest(tenant, { to: "person@example.com" });
    await expectServerHungUp("noStartTls");
    const { plainText } = await serverState("noStartTls");
    // The plain-text part of the session: EHLO, then QUIT (the session is still usable: a clean end).
    expect(plainText).toMatch(/^(EHLO edge\.test\r\nQUIT\r\n)+$/);
  });

  it(`holds the production deadline (${SMTP_DEADLINE_MS / 1000} s) against a silent server, within the API's 20 s`, async () => {
    const tenant = await createTenant();
    await useServer(tenant, "silent");
    const { TEST_SMTP_DEADLINE_MS: _lowered, ...productionEnv } = env;
    const ctx = createExecutionContext();
    const started = Date.now();
    const res = await worker.fetch(
      new Request(`${ORIGIN}/v1/email/test`, {
        method: "POST",
        headers: { Authorization: `Bearer ${tenant.token}`, "Content-Type": "application/json" },
        body: JSON.stringify({ to: "person@example.com" }),
      }),
      productionEnv as Env,
      ctx,
    );
    const body = await res.json<{ ok: boolean; error: { code: string; message: string } }>();
    const ms = Date.now() - started;
    await waitOnExecutionContext(ctx);
    expect(body).toMatchObject({
      ok: false,
      error: { code: "timeout", message: expect.stringMatching(/within 15 s/) },
    });
    expect(ms).toBeGreaterThanOrEqual(SMTP_DEADLINE_MS - 50);
    expect(ms).toBeLessThan(20_000);
    await expectServerHungUp("silent");
  }, 25_000);
});
