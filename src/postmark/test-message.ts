// The test message itself, written here in full (headers and MIME body) as RFC 5322, 2045-2047 want it:
// worker-mailer is used as the SMTP transport only (smtp-test-send.ts). Its own composition (1.2.1) writes
// header lines of any length, one encoded word per name however long, `=?` lookalikes inside quoted strings
// and the obsolete `GMT` zone; composing the one message we send is short enough to own. Pure.

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

/** What is handed to the SMTP session: the envelope, and the message as it goes after DATA (before dot-stuffing). */
export interface TestMessage {
  envelopeFrom: string;
  envelopeTo: string;
  /** The whole message, CRLF line ends, ending in CRLF. */
  data: string;
}

/** Thrown for a header value holding CR or LF; the request schemas already refuse these, this is the last line. */
export class UnsafeHeaderValue extends Error {}

function headerSafe(name: string, value: string): string {
  if (/[\r\n]/.test(value)) throw new UnsafeHeaderValue(`${name} must not contain line breaks`);
  return value;
}

/** RFC 5322 2.1.1: lines SHOULD stay within 78 characters (folding at whitespace); 998 is the hard limit. */
const FOLD_AT = 78;
/** RFC 2047 2 allows 75 characters; 72 lets `From: ` and a first encoded word share a line within 78. */
const MAX_ENCODED_WORD = 72;
const ENCODED_WORD_PREFIX = "=?UTF-8?Q?";
const ENCODED_WORD_SUFFIX = "?=";

/** Q-encoding restricted to the characters RFC 2047 5(3) allows in a phrase, so `,` `<` `"` cannot add addresses. */
function qEncodeChar(ch: string): string {
  if (ch === " ") return "_";
  if (/^[A-Za-z0-9!*+\-/]$/.test(ch)) return ch;
  let out = "";
  for (const byte of new TextEncoder().encode(ch)) out += `=${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  return out;
}

/**
 * `text` as UTF-8 Q encoded words of at most 72 characters, separated by spaces (where a header may fold; the
 * space between two encoded words is not part of the text). A character is never split across two words.
 */
export function encodedWords(text: string): string {
  const room = MAX_ENCODED_WORD - ENCODED_WORD_PREFIX.length - ENCODED_WORD_SUFFIX.length;
  const words: string[] = [];
  let current = "";
  for (const ch of text) {
    const encoded = qEncodeChar(ch);
    if (current.length + encoded.length > room) {
      words.push(current);
      current = "";
    }
    current += encoded;
  }
  words.push(current);
  return words.map((w) => `${ENCODED_WORD_PREFIX}${w}${ENCODED_WORD_SUFFIX}`).join(" ");
}

/**
 * A display name that reads back exactly as typed: printable ASCII as a quoted string (quotes and backslashes
 * escaped); anything else, and any name holding `=?` (which parsers would decode even inside quotes, though
 * RFC 2047 5 forbids encoded words there), as encoded words.
 */
export function encodeDisplayName(name: string): string {
  if (/^[\x20-\x7e]*$/.test(name) && !name.includes("=?")) return `"${name.replace(/[\\"]/g, "\\$&")}"`;
  return encodedWords(name);
}

export function formatAddress(email: string, name: string | null): string {
  headerSafe("address", email);
  if (!name) return email;
  return `${encodeDisplayName(headerSafe("display name", name))} <${email}>`;
}

/**
 * `Name: value` folded before whitespace so that no line passes 78 characters where the value leaves a place
 * to fold (quoted strings and lists of encoded words may fold at their spaces; an address cannot).
 */
export function foldHeader(name: string, value: string): string {
  const [first, ...rest] = value.split(" ");
  const lines: string[] = [];
  let line = `${name}: ${first}`;
  for (const word of rest) {
    if (line.length + 1 + word.length > FOLD_AT && line.trim() !== "") {
      lines.push(line);
      line = ` ${word}`;
    } else {
      line += ` ${word}`;
    }
  }
  lines.push(line);
  return lines.join("\r\n");
}

/** RFC 5322 3.3 date-time in UTC with a numeric zone (`GMT` is obsolete syntax that must not be generated). */
export function rfc5322Date(date: Date): string {
  return date.toUTCString().replace(/GMT$/, "+0000");
}

/** Quoted-printable (RFC 2045 6.7) with CRLF line ends, encoded lines within 76 characters. */
export function quotedPrintable(text: string): string {
  const encoder = new TextEncoder();
  return text
    .split(/\r?\n/)
    .map((line) => {
      const bytes = encoder.encode(line);
      const out: string[] = [];
      let current = "";
      for (const [i, byte] of bytes.entries()) {
        const isLast = i === bytes.length - 1;
        const literal = (byte >= 33 && byte <= 126 && byte !== 61) || ((byte === 32 || byte === 9) && !isLast);
        const piece = literal ? String.fromCharCode(byte) : `=${byte.toString(16).toUpperCase().padStart(2, "0")}`;
        if (current.length + piece.length > 75) {
          out.push(`${current}=`);
          current = "";
        }
        current += piece;
      }
      out.push(current);
      return out.join("\r\n");
    })
    .join("\r\n");
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]!);

function randomHex(bytes: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The test message: our From/To, the stream header, a text and an HTML part. */
export function composeTestEmail(m: TestMessageInput): TestMessage {
  const fromEmail = headerSafe("fromEmail", m.fromEmail);
  const to = headerSafe("to", m.to);
  const when = m.sentAt.toISOString();
  const text = [
    "This is a test email from your Postmark integration.",
    "",
    `It was sent by the Worker over SMTP with STARTTLS through ${m.host}:${m.port}, on the message stream "${m.messageStream}", from ${fromEmail} to ${to} at ${when}.`,
    "",
    "If you can read this, the settings work: nothing else needs to be done.",
  ].join("\n");
  const html = [
    "<!doctype html><html><body>",
    "<p>This is a <strong>test email</strong> from your Postmark integration.</p>",
    `<p>It was sent by the Worker over SMTP with STARTTLS through ${escapeHtml(`${m.host}:${m.port}`)}, on the message stream`,
    `&ldquo;${escapeHtml(m.messageStream)}&rdquo;, from ${escapeHtml(fromEmail)} to ${escapeHtml(to)} at ${when}.</p>`,
    "<p>If you can read this, the settings work: nothing else needs to be done.</p>",
    "</body></html>",
  ].join("\n");

  const boundary = `alt-${randomHex(16)}`; // hex never occurs in quoted-printable soft breaks or escapes
  const headers: [string, string][] = [
    ["From", formatAddress(fromEmail, m.fromName)],
    ["To", formatAddress(to, m.toName)],
    ["Subject", TEST_SUBJECT],
    ["Date", rfc5322Date(m.sentAt)],
    ["Message-ID", `<${crypto.randomUUID()}@${fromEmail.split("@").pop()}>`],
    ["X-PM-Message-Stream", headerSafe("messageStream", m.messageStream)],
    ["MIME-Version", "1.0"],
    ["Content-Type", `multipart/alternative; boundary="${boundary}"`],
  ];
  const part = (type: string, body: string) =>
    [
      `--${boundary}`,
      `Content-Type: ${type}; charset=UTF-8`,
      "Content-Transfer-Encoding: quoted-printable",
      "",
      quotedPrintable(body),
    ].join("\r\n");
  const data = [
    ...headers.map(([name, value]) => foldHeader(name, value)),
    "",
    part("text/plain", text),
    part("text/html", html),
    `--${boundary}--`,
    "",
  ].join("\r\n");
  return { envelopeFrom: fromEmail, envelopeTo: to, data };
}
