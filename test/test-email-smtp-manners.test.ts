// The test send as a well-mannered SMTP client (issue 10): what the server reads on the wire (commands as
// smtp-server parsed them, over TLS too) and what the message looks like when it arrives. test/mta/ proves
// the same against Postfix.
import { describe, expect, it } from "vitest";
import { headerValue } from "../scripts/lib/mail-headers";
import { createTenant } from "./helpers";
import type { SmtpServerName } from "./provided-context";
import {
  auditRows,
  expectServerHungUp,
  expectTokenNeverInPlainText,
  sendTest,
  serverState,
  useServer,
} from "./smtp-helpers";

const uniqueRecipient = (label: string) => `${label}-${crypto.randomUUID().slice(0, 8)}@example.com`;

/**
 * The one session in which `to` was given as recipient (tests run side by side on shared servers), once the
 * Worker has hung up (its QUIT goes after the answer, in waitUntil).
 */
async function sessionFor(server: SmtpServerName, to: string): Promise<string[]> {
  await expectServerHungUp(server);
  const { sessions } = await serverState(server);
  const found = sessions.filter((commands) => commands.some((c) => c.includes(`<${to}>`)));
  expect(found, `sessions of ${server} that name ${to}`).toHaveLength(1);
  return found[0]!;
}

/** The raw message that arrived for `to` at the Postmark-like server. */
async function arrived(to: string): Promise<string> {
  const { messages } = await serverState("postmark");
  const found = messages.filter((m) => m.to.includes(to));
  expect(found).toHaveLength(1);
  return found[0]!.raw;
}

const headerLines = (raw: string) => raw.split(/\r?\n\r?\n/)[0]!.split(/\r?\n/);

describe("the SMTP dialogue", () => {
  it("greets with a valid EHLO name, writes the envelope as RFC 5321 does, asks for no DSN, and says QUIT", async () => {
    const tenant = await createTenant();
    await useServer(tenant, "postmark");
    const to = uniqueRecipient("manners");
    expect((await sendTest(tenant, { to })).body.ok).toBe(true);

    // ORIGIN is https://edge.test: the Worker introduces itself by the host it is reached at.
    expect(await sessionFor("postmark", to)).toEqual([
      "EHLO edge.test",
      "STARTTLS",
      "EHLO edge.test",
      expect.stringMatching(/^AUTH PLAIN/),
      "MAIL FROM:<news@acme.example>",
      `RCPT TO:<${to}>`, // the server offers DSN; no NOTIFY=NEVER, so a failure later on is reported
      "DATA",
      "QUIT",
    ]);
  });

  it("says QUIT after a refusal, while the session is still usable", async () => {
    const tenant = await createTenant();
    await useServer(tenant, "rejectsRecipient");
    const to = uniqueRecipient("refused");
    expect((await sendTest(tenant, { to })).body.error!.code).toBe("recipient_rejected");
    expect((await sessionFor("rejectsRecipient", to)).slice(-2)).toEqual([`RCPT TO:<${to}>`, "QUIT"]);
  });

  it("fails with auth_unavailable when the server offers no AUTH after STARTTLS, and sends nothing", async () => {
    const tenant = await createTenant();
    await useServer(tenant, "noAuthAfterTls");
    const { status, body } = await sendTest(tenant, { to: "person@example.com" });
    expect(status).toBe(200);
    expect(body).toEqual({
      ok: false,
      error: {
        code: "auth_unavailable",
        message: expect.stringMatching(/did not ask for the Server API token.*not verified/),
        hint: expect.stringMatching(/really Postmark's/),
      },
    });
    expect((await auditRows(tenant.id)).map((r) => r.outcome)).toEqual(["auth_unavailable"]);
    await expectServerHungUp("noAuthAfterTls");
    const state = await serverState("noAuthAfterTls");
    expect(state.messages).toEqual([]);
    expect(state.sessions.at(-1)).toEqual(["EHLO edge.test", "STARTTLS", "EHLO edge.test", "QUIT"]);
    expectTokenNeverInPlainText(state);
  });
});

describe("the message as it arrives", () => {
  it("keeps every header line within 78 characters and every encoded word within 75, however long the names", async () => {
    const tenant = await createTenant();
    const longName = "Ünïcödé Ñämé ".repeat(8).trim(); // 103 characters, all but the spaces and a few letters non-ASCII
    await useServer(tenant, "postmark", { fromName: longName.slice(0, 100) });
    const to = `${"a-very-long-local-part".repeat(2)}-${crypto.randomUUID().slice(0, 8)}@example.com`;
    expect((await sendTest(tenant, { to, toName: "ß".repeat(100) })).body.ok).toBe(true);

    const raw = await arrived(to);
    for (const line of headerLines(raw)) expect(line.length, line).toBeLessThanOrEqual(78);
    for (const line of raw.split(/\r?\n/)) expect(line.length).toBeLessThanOrEqual(998);
    const words = raw.match(/=\?[^?\s]+\?[QB]\?[^?\s]*\?=/gi) ?? [];
    expect(words.length).toBeGreaterThan(4);
    for (const word of words) expect(word.length, word).toBeLessThanOrEqual(75);
  });

  it("encodes a display name that looks like an encoded word, so it reads back as typed", async () => {
    const tenant = await createTenant();
    await useServer(tenant, "postmark", { fromName: "=?UTF-8?Q?Evil?= <x@evil.test>" });
    const to = uniqueRecipient("lookalike");
    expect((await sendTest(tenant, { to })).body.ok).toBe(true);
    const from = headerValue(await arrived(to), "From")!;
    // No quoted string holding `=?` (which parsers decode into "Evil"): the name is itself encoded.
    expect(from).not.toContain('"=?');
    expect(from).toMatch(/^=\?UTF-8\?Q\?=3D=3FUTF-8=3FQ=3FEvil=3F=3D_=3Cx=40evil=2Etest=3E\?= <news@acme\.example>$/);
  });

  it("dates the message with a numeric zone, not the obsolete GMT", async () => {
    const tenant = await createTenant();
    await useServer(tenant, "postmark");
    const to = uniqueRecipient("date");
    expect((await sendTest(tenant, { to })).body.ok).toBe(true);
    expect(headerValue(await arrived(to), "Date")).toMatch(/^\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d \+0000$/);
  });
});
