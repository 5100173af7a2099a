// The test message itself: headers and a short text + HTML body. Pure; the SMTP side is smtp-test-send.ts.
import type { EmailOptions } from "worker-mailer";

export const TEST_SUBJECT = "Test email from your Postmark integration";

/** The settings a test email is sent with, the API key opened. Lives only for the request. */
export interface SendSettings {
  host: string;
  port: number;
  fromEmail: string;
  fromName: string | null;
  messageStream: string;
  /** The Postmark Server API token, used as both SMTP user name and password. */
  apiKey: string;
}

/** What the message says: the settings it goes through (not the key), its recipient, and when. */
export type TestMessageInput = Omit<SendSettings, "apiKey"> & { to: string; toName: string | null; sentAt: Date };

/** Thrown for a header value holding CR or LF; the request schemas already refuse these, this is the last line. */
export class UnsafeHeaderValue extends Error {}

function headerSafe(name: string, value: string): string {
  if (/[\r\n]/.test(value)) throw new UnsafeHeaderValue(`${name} must not contain line breaks`);
  return value;
}

/**
 * A display name as RFC 5322/2047 want it: ASCII as a quoted string (quotes and backslashes escaped),
 * anything else as an encoded word restricted to the characters allowed inside a phrase, so a name like
 * `Café, <Ops>` cannot turn into extra addresses. worker-mailer's own encoding leaves `,` `<` `"` bare.
 */
export function encodeDisplayName(name: string): string {
  if (/^[\x20-\x7e]*$/.test(name)) return `"${name.replace(/[\\"]/g, "\\$&")}"`;
  let encoded = "";
  for (const byte of new TextEncoder().encode(name)) {
    const ch = String.fromCharCode(byte);
    if (byte === 0x20) encoded += "_";
    else if (/[A-Za-z0-9!*+\-/]/.test(ch)) encoded += ch;
    else encoded += `=${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return `=?UTF-8?Q?${encoded}?=`;
}

export function formatAddress(email: string, name: string | null): string {
  headerSafe("address", email);
  if (!name) return email;
  return `${encodeDisplayName(headerSafe("display name", name))} <${email}>`;
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]!);

/** The message for worker-mailer: envelope addresses, our own From/To headers, the stream header, the bodies. */
export function composeTestEmail(m: TestMessageInput): EmailOptions {
  const when = m.sentAt.toISOString();
  const text = [
    "This is a test email from your Postmark integration.",
    "",
    `It was sent by the Worker over SMTP with STARTTLS through ${m.host}:${m.port}, on the message stream "${m.messageStream}", from ${m.fromEmail} to ${m.to} at ${when}.`,
    "",
    "If you can read this, the settings work: nothing else needs to be done.",
  ].join("\n");
  const html = [
    "<!doctype html><html><body>",
    "<p>This is a <strong>test email</strong> from your Postmark integration.</p>",
    `<p>It was sent by the Worker over SMTP with STARTTLS through ${escapeHtml(`${m.host}:${m.port}`)}, on the message stream`,
    `&ldquo;${escapeHtml(m.messageStream)}&rdquo;, from ${escapeHtml(m.fromEmail)} to ${escapeHtml(m.to)} at ${when}.</p>`,
    "<p>If you can read this, the settings work: nothing else needs to be done.</p>",
    "</body></html>",
  ].join("\n");
  return {
    // worker-mailer takes the envelope (MAIL FROM / RCPT TO) from these; the headers below are ours.
    from: { email: headerSafe("fromEmail", m.fromEmail) },
    to: [{ email: headerSafe("to", m.to) }],
    subject: TEST_SUBJECT,
    text,
    html,
    // worker-mailer adds Date and Message-ID (<uuid@sender domain>) to these.
    headers: {
      From: formatAddress(m.fromEmail, m.fromName),
      To: formatAddress(m.to, m.toName),
      "X-PM-Message-Stream": headerSafe("messageStream", m.messageStream),
    },
  };
}
