// The pure halves of the test send: how each SMTP outcome is explained, and how the message is written.
import { describe, expect, it } from "vitest";
import { headerValue } from "../scripts/lib/mail-headers";
import { composeTestEmail, encodeDisplayName, formatAddress, UnsafeHeaderValue } from "../src/postmark/test-message";
import { explainFailure, type SmtpFailure, sanitiseReply } from "../src/postmark/test-send-outcome";

const target = {
  host: "smtp.postmarkapp.com",
  port: 587,
  fromEmail: "news@acme.example",
  to: "pat@example.com",
  messageStream: "outbound",
};
const rejected = (step: Extract<SmtpFailure, { kind: "rejected" }>["step"], code: number): SmtpFailure => ({
  kind: "rejected",
  step,
  code,
  reply: `${code} no`,
});

describe("explainFailure", () => {
  it("maps each step and reply to the API's code", () => {
    const table: [SmtpFailure, string][] = [
      [{ kind: "tls_unavailable" }, "tls_unavailable"],
      [{ kind: "auth_unavailable" }, "auth_unavailable"],
      [{ ...rejected("ehlo", 504), clientName: "edge.test" } as SmtpFailure, "smtp_error"],
      [rejected("starttls", 454), "tls_unavailable"],
      [{ kind: "network", step: "tls_ehlo", detail: "internal error" }, "tls_failed"],
      [{ kind: "network", step: "starttls", detail: "internal error" }, "tls_failed"],
      [{ kind: "closed", step: "tls_ehlo" }, "tls_failed"],
      [{ kind: "network", step: "connect", detail: "proxy request failed" }, "connection_failed"],
      [{ kind: "closed", step: "greeting" }, "connection_failed"],
      [rejected("auth", 535), "auth_failed"],
      [rejected("mail_from", 550), "sender_rejected"],
      [rejected("rcpt_to", 550), "recipient_rejected"],
      [rejected("data", 554), "message_rejected"],
      [rejected("message", 554), "message_rejected"],
      [{ kind: "timeout", step: "greeting", afterMs: 15_000 }, "timeout"],
      [{ kind: "timeout", step: "message", afterMs: 15_000 }, "timeout"],
      [rejected("greeting", 554), "smtp_error"],
      [rejected("mail_from", 451), "smtp_error"],
      [rejected("auth", 421), "smtp_error"],
      [{ kind: "closed", step: "message" }, "smtp_error"],
      [{ kind: "garbage", step: "greeting" }, "smtp_error"],
      [{ kind: "network", step: "rcpt_to", detail: "reset" }, "smtp_error"],
    ];
    for (const [failure, code] of table) {
      const error = explainFailure(failure, target);
      expect(error.code, JSON.stringify(failure)).toBe(code);
      expect(error.message.length).toBeGreaterThan(20);
      expect(error.hint.length).toBeGreaterThan(20);
    }
  });

  it("gives the hints a person can act on", () => {
    expect(explainFailure(rejected("auth", 535), target).hint).toMatch(/Server API token.*not the Account token/);
    expect(explainFailure(rejected("mail_from", 550), target).hint).toMatch(/sender signature for news@acme\.example/);
    expect(explainFailure({ kind: "network", step: "connect", detail: "x" }, target).hint).toMatch(
      /port 25, 2525 or 587/,
    );
    expect(explainFailure(rejected("mail_from", 451), target).hint).toMatch(/temporary/);
    expect(explainFailure({ kind: "timeout", step: "ehlo", afterMs: 15_000 }, target).message).toBe(
      "smtp.postmarkapp.com:587 did not answer within 15 s (waiting for its answer to EHLO).",
    );
  });
});

describe("sanitiseReply", () => {
  it("keeps one printable, bounded line and removes secrets", () => {
    expect(sanitiseReply("535 5.7.8 bad\r\n\u0000token-123 here", ["token-123"])).toBe(
      "535 5.7.8 bad ?[redacted] here",
    );
    expect(sanitiseReply("5".repeat(500))).toHaveLength(203);
  });
});

describe("the test message", () => {
  const input = {
    fromEmail: "news@acme.example",
    fromName: "Acme News",
    to: "pat@example.com",
    toName: null,
    messageStream: "outbound",
    host: "smtp.postmarkapp.com",
    port: 587,
    sentAt: new Date("2026-11-26T10:00:00Z"),
  };

  it("quotes and escapes ASCII display names, encodes others so they cannot add addresses", () => {
    expect(encodeDisplayName('Acme "Best" \\ News')).toBe('"Acme \\"Best\\" \\\\ News"');
    expect(encodeDisplayName("Zoë, <x@y.example>")).toBe("=?UTF-8?Q?Zo=C3=AB=2C_=3Cx=40y=2Eexample=3E?=");
    expect(formatAddress("pat@example.com", null)).toBe("pat@example.com");
  });

  it("sets the envelope, From, To and the stream header, and escapes HTML", () => {
    const email = composeTestEmail({ ...input, messageStream: "a<b" });
    expect(email.envelopeFrom).toBe("news@acme.example");
    expect(email.envelopeTo).toBe("pat@example.com");
    expect(headerValue(email.data, "From")).toBe('"Acme News" <news@acme.example>');
    expect(headerValue(email.data, "To")).toBe("pat@example.com");
    expect(headerValue(email.data, "X-PM-Message-Stream")).toBe("a<b");
    expect(email.data).toContain("a&lt;b");
    expect(email.data).toContain("test email");
  });

  it("writes the Date with a numeric zone", () => {
    expect(headerValue(composeTestEmail(input).data, "Date")).toBe("Thu, 26 Nov 2026 10:00:00 +0000");
  });

  it("folds long headers and splits encoded words: no line over 78, no encoded word over 75", () => {
    const long = { fromName: "Ünïcödé ".repeat(12).trim(), toName: "a".repeat(40) + " b".repeat(30) };
    const { data } = composeTestEmail({ ...input, ...long, to: `${"x".repeat(60)}@example.com` });
    const head = data.split("\r\n\r\n")[0]!;
    for (const line of head.split("\r\n")) expect(line.length, line).toBeLessThanOrEqual(78);
    for (const word of head.match(/=\?[^?]+\?Q\?[^?]*\?=/g) ?? []) expect(word.length).toBeLessThanOrEqual(75);
    const body = data.slice(head.length);
    for (const line of body.split("\r\n")) expect(line.length).toBeLessThanOrEqual(76); // quoted-printable
    // Unfolded, the quoted name is what was typed (folding only inserted CRLF before spaces).
    expect(headerValue(data, "To")).toBe(`"${long.toName}" <${"x".repeat(60)}@example.com>`);
  });

  it("encodes a name that looks like an encoded word, so it cannot be decoded into another one", () => {
    expect(encodeDisplayName("=?UTF-8?Q?Evil?=")).toBe("=?UTF-8?Q?=3D=3FUTF-8=3FQ=3FEvil=3F=3D?=");
  });

  it("refuses a line break in any header value, whatever let it through", () => {
    for (const override of [
      { to: "p@example.com\r\nBcc: v@example.com" },
      { fromName: "A\nB" },
      { toName: "A\rB" },
      { messageStream: "x\ny" },
      { fromEmail: "a@b.example\n" },
    ]) {
      expect(() => composeTestEmail({ ...input, ...override }), JSON.stringify(override)).toThrow(UnsafeHeaderValue);
    }
  });
});
