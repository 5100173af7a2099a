// `npm run test:mta`: POST /v1/email/test through the real Worker to a real Postfix (3.7, Debian) with Dovecot
// SASL (test/node/mta.ts, test/mta/*.cf). Each outcome is the README's code; what crossed the wire is read
// from Postfix's own log (debug_peer_list), and delivered messages from its Maildir through Python's strict
// RFC 5322 parser (test/mta/check-message.py).
import { describe, expect, inject, it } from "vitest";
import { configureEmail, createTenant, type TestTenant, VALID_SETTINGS } from "../helpers";
import type { MtaServiceName } from "../provided-context";
import { auditRows, sendTest, tokenForms } from "../smtp-helpers";

const mta = inject("mta");

/** The syslog name of each smtpd service in test/mta/master.cf. */
const SYSLOG_NAME: Record<MtaServiceName, string> = {
  submission: "postfix/submission",
  loginOnly: "postfix/loginonly",
  noStartTls: "postfix/nostarttls",
  noAuth: "postfix/noauth",
  strictHelo: "postfix/stricthelo",
  refusesHelo: "postfix/refuseshelo",
};

interface Checked {
  errors: string[];
  from: { name: string; address: string };
  to: { name: string; address: string };
  subject: string;
  date: string;
  messageStream: string;
  contentType: string;
  parts: string[];
  text: string;
  longestWorkerHeaderLine: number;
  longestLine: number;
  longestEncodedWord: number;
  raw: string;
}

async function inspect<T>(pathAndQuery: string): Promise<T> {
  const res = await fetch(`${mta.inspectorUrl}${pathAndQuery}`);
  expect(res.status).toBe(200);
  return res.json();
}

/** Messages Postfix delivered to `to`, waiting up to `withinMs` for at least one. */
async function delivered(to: string, withinMs = 5000): Promise<Checked[]> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const found = await inspect<Checked[]>(`/mail?to=${encodeURIComponent(to)}`);
    if (found.length > 0 || Date.now() > deadline) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const unique = (label: string, domain = "example.com") => `${label}-${crypto.randomUUID().slice(0, 8)}@${domain}`;

const settingsFor = (service: MtaServiceName, extra: Record<string, unknown> = {}) => ({
  ...VALID_SETTINGS,
  host: "127.0.0.1",
  port: mta.ports[service],
  apiKey: mta.token,
  ...extra,
});

/**
 * Sends a test through `service` and returns the answer with the server's log of that session (what smtpd read,
 * `<` lines, and its closing `disconnect from` summary), waiting for the summary to be written.
 */
async function sendThrough(
  tenant: TestTenant,
  service: MtaServiceName,
  json: Record<string, unknown>,
  settings: Record<string, unknown> = {},
) {
  await configureEmail(tenant, settingsFor(service, settings));
  const { size } = await inspect<{ size: number }>("/log");
  const answer = await sendTest(tenant, json);
  const deadline = Date.now() + 5000;
  let session: string[] = [];
  for (;;) {
    const { text } = await inspect<{ text: string }>(`/log?since=${size}`);
    session = text.split("\n").filter((line) => line.includes(`${SYSLOG_NAME[service]}/smtpd[`));
    if (session.some((line) => line.includes("disconnect from")) || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const received = session.flatMap((line) => /: < [^:]+: (.*)$/.exec(line)?.[1] ?? []);
  const summary = session.find((line) => line.includes("disconnect from")) ?? "";
  return { ...answer, received, summary, log: session.join("\n") };
}

/** The commands smtpd read, without AUTH's payload. */
const commandNames = (received: string[]) => received.map((c) => c.replace(/^(AUTH \w+) .*/, "$1"));

describe("the test email against Postfix", () => {
  it("STARTTLS + AUTH PLAIN: delivered, and the message passes a strict RFC 5322 parser as typed", async () => {
    const tenant = await createTenant();
    const fromName = `${"Ünïcödé Ñämé Ärger Ölß ".repeat(4)}Ünïcödé!`; // 100 characters
    const toName = "=?UTF-8?Q?Evil?= <x@evil.test>";
    const to = unique(`${"a-long-local-part".repeat(3)}`);
    const sent = await sendThrough(tenant, "submission", { to, toName }, { fromName, messageStream: "broadcast" });
    expect(sent.body).toMatchObject({ ok: true, tls: true });

    // RFC 5321 syntax, a valid EHLO name, no DSN parameters, and a clean end.
    expect(commandNames(sent.received)).toEqual([
      "EHLO edge.test",
      "STARTTLS",
      "EHLO edge.test",
      "AUTH PLAIN",
      "MAIL FROM:<news@acme.example>",
      `RCPT TO:<${to}>`,
      "DATA",
      "QUIT",
    ]);
    expect(sent.summary).toMatch(/ehlo=2 starttls=1 auth=1 mail=1 rcpt=1 data=1 quit=1 commands=8$/);

    const [message, ...more] = await delivered(to);
    expect(more).toEqual([]);
    expect(message!.errors).toEqual([]);
    expect(message!.from).toEqual({ name: fromName, address: "news@acme.example" });
    expect(message!.to).toEqual({ name: toName, address: to });
    expect(message!.subject).toBe("Test email from your Postmark integration");
    expect(message!.date).toMatch(/ \+0000$/);
    expect(message!.messageStream).toBe("broadcast");
    expect(message!.contentType).toBe("multipart/alternative");
    expect(message!.parts).toEqual(["text/plain", "text/html"]);
    expect(message!.text).toContain(`from news@acme.example to ${to}`);
    expect(message!.longestWorkerHeaderLine).toBeLessThanOrEqual(78);
    expect(message!.longestLine).toBeLessThanOrEqual(998);
    expect(message!.longestEncodedWord).toBeGreaterThan(0);
    expect(message!.longestEncodedWord).toBeLessThanOrEqual(75);
  });

  it("AUTH LOGIN only: delivered", async () => {
    const tenant = await createTenant();
    const to = unique("login");
    const sent = await sendThrough(tenant, "loginOnly", { to, toName: 'Pat "The" O\'Brien \\ Ops' });
    expect(sent.body).toMatchObject({ ok: true });
    expect(commandNames(sent.received)).toContain("AUTH LOGIN");
    const [message] = await delivered(to);
    expect(message!.errors).toEqual([]);
    expect(message!.to.name).toBe('Pat "The" O\'Brien \\ Ops');
  });

  it("a failed delivery after acceptance bounces to the sender (no NOTIFY=NEVER)", async () => {
    const tenant = await createTenant();
    const to = unique("undeliverable", "bounces.example");
    const sent = await sendThrough(tenant, "submission", { to });
    expect(sent.body).toMatchObject({ ok: true });
    const bounces = async () =>
      (await delivered(VALID_SETTINGS.fromEmail, 0)).filter((m) => m.raw.includes(`Final-Recipient: rfc822; ${to}`));
    const deadline = Date.now() + 10_000;
    while ((await bounces()).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const [bounce] = await bounces();
    expect(bounce, "a bounce to the sender").toBeDefined();
    expect(bounce!.raw).toMatch(/report-type=delivery-status/);
  });

  it("no STARTTLS: tls_unavailable, and the key never reached the server (Postfix's log of the session)", async () => {
    const tenant = await createTenant();
    const sent = await sendThrough(tenant, "noStartTls", { to: unique("plain") });
    expect(sent.body.error).toMatchObject({ code: "tls_unavailable", message: expect.stringMatching(/not sent/) });
    // This service offers AUTH in plain text; the Worker still only said EHLO, then QUIT.
    expect(sent.log).toMatch(/250-AUTH PLAIN LOGIN/);
    expect(sent.received).toEqual(["EHLO edge.test", "QUIT"]);
    for (const form of [...tokenForms(mta.token)]) expect(sent.log).not.toContain(form);
    expect(sent.summary).toMatch(/ehlo=1 quit=1 commands=2$/);
  });

  it("no AUTH offered after STARTTLS: auth_unavailable, nothing sent", async () => {
    const tenant = await createTenant();
    const to = unique("noauth");
    const sent = await sendThrough(tenant, "noAuth", { to });
    expect(sent.body.error).toMatchObject({ code: "auth_unavailable", hint: expect.stringMatching(/Postmark's/) });
    expect(sent.received).toEqual(["EHLO edge.test", "STARTTLS", "EHLO edge.test", "QUIT"]);
    expect(await delivered(to, 500)).toEqual([]);
    expect((await auditRows(tenant.id)).map((r) => r.outcome)).toEqual(["auth_unavailable"]);
  });

  const refusals: {
    name: string;
    service: MtaServiceName;
    to?: string;
    settings?: Record<string, unknown>;
    code: string;
    message: RegExp;
    hint: RegExp;
    lastCommand: RegExp;
  }[] = [
    {
      name: "wrong password",
      service: "submission",
      settings: { apiKey: "not-the-server-token" },
      code: "auth_failed",
      message: /535 5\.7\.8/,
      hint: /Server API token/,
      lastCommand: /^AUTH PLAIN/,
    },
    {
      name: "recipient refused (550)",
      service: "submission",
      to: "refused@example.com",
      code: "recipient_rejected",
      message: /refused@example\.com.*550 5\.1\.1/,
      hint: /Check the address/,
      lastCommand: /^RCPT TO:<refused@example\.com>$/,
    },
    {
      name: "recipient deferred (450)",
      service: "submission",
      to: "deferred@example.com",
      code: "smtp_error",
      message: /temporarily refused.*450 4\.2\.1/,
      hint: /temporary problem/,
      lastCommand: /^RCPT TO:<deferred@example\.com>$/,
    },
    {
      name: "sender refused",
      service: "submission",
      settings: { fromEmail: "refused-sender@acme.example" },
      code: "sender_rejected",
      message: /refused-sender@acme\.example.*550 5\.7\.1/,
      hint: /Sender Signatures/,
      lastCommand: /^MAIL FROM:<refused-sender@acme\.example>$/,
    },
    {
      name: "refused after DATA",
      service: "submission",
      settings: { messageStream: "refused-stream" },
      code: "message_rejected",
      message: /550 5\.7\.1 Message stream not found/,
      hint: /message stream "refused-stream"/,
      lastCommand: /^DATA$/,
    },
    {
      name: "every EHLO refused",
      service: "refusesHelo",
      code: "smtp_error",
      message: /refused the Worker's greeting \(EHLO edge\.test\).*554/,
      hint: /EHLO name/,
      lastCommand: /^EHLO edge\.test$/,
    },
  ];
  for (const c of refusals) {
    it(`${c.name}: ${c.code}, then QUIT`, async () => {
      const tenant = await createTenant();
      const sent = await sendThrough(tenant, c.service, { to: c.to ?? unique("refusal") }, c.settings);
      expect(sent.body).toEqual({
        ok: false,
        error: { code: c.code, message: expect.stringMatching(c.message), hint: expect.stringMatching(c.hint) },
      });
      expect(commandNames(sent.received).at(-2)).toMatch(c.lastCommand);
      expect(sent.received.at(-1)).toBe("QUIT");
      expect(sent.summary).toMatch(/quit=1 commands=/);
    });
  }

  it("a strict HELO policy (reject_non_fqdn_helo_hostname): delivered", async () => {
    const tenant = await createTenant();
    const to = unique("strict");
    const sent = await sendThrough(tenant, "strictHelo", { to });
    expect(sent.body).toMatchObject({ ok: true });
    expect((await delivered(to))[0]!.errors).toEqual([]);
  });
});
