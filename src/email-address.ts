// Email addresses as the suppression list compares them.
import ipaddr from "ipaddr.js";

/** Addresses are compared case-insensitively after trimming. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

// RFC 5321 Mailbox, with RFC 6531's UTF-8 (Postmark reports internationalised addresses too): any non-ASCII
// character that is not a control, format (bidi), surrogate, private-use or separator code point.
const NON_ASCII = String.raw`[^\x00-\x7f\p{C}\p{Z}]`;
const ATOM = String.raw`(?:[A-Za-z0-9!#$%&'*+/=?^_\x60{|}~-]|${NON_ASCII})+`;
const DOT_STRING = `${ATOM}(?:\\.${ATOM})*`;
const QUOTED_STRING = String.raw`"(?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\[\x20-\x7e]|${NON_ASCII})*"`;
const LOCAL_PART = new RegExp(`^(?:${DOT_STRING}|${QUOTED_STRING})$`, "u");
const LABEL_CHAR = `[A-Za-z0-9]|${NON_ASCII}`;
const LABEL = new RegExp(`^(?:${LABEL_CHAR})(?:(?:${LABEL_CHAR}|-)*(?:${LABEL_CHAR}))?$`, "u");
const GENERAL_LITERAL = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?:[\x21-\x5a\x5e-\x7e]+$/;

const utf8Length = (text: string) => new TextEncoder().encode(text).length;

/**
 * Whether `address` is an RFC 5321 mailbox: a dot-atom or quoted-string local part (64 octets at most), "@", and a
 * domain (labels of letters, digits and inner hyphens, 63 octets each) or an address literal ([192.0.2.1],
 * [IPv6:...]). `;`, spaces and control characters outside quotes are not.
 */
export function isMailbox(address: string): boolean {
  const at = address.lastIndexOf("@");
  if (at < 1 || utf8Length(address) > 254) return false;
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (utf8Length(local) > 64 || !LOCAL_PART.test(local)) return false;
  if (domain.startsWith("[") && domain.endsWith("]")) return isAddressLiteral(domain.slice(1, -1));
  const labels = domain.split(".");
  return utf8Length(domain) <= 255 && labels.every((label) => utf8Length(label) <= 63 && LABEL.test(label));
}

function isAddressLiteral(literal: string): boolean {
  if (/^ipv6:/i.test(literal)) return ipaddr.IPv6.isValid(literal.slice(5)) && !literal.includes("%");
  if (/^[\d.]+$/.test(literal)) return ipaddr.IPv4.isValidFourPartDecimal(literal);
  return GENERAL_LITERAL.test(literal);
}

/** The normalised address, or null when `value` is not a string holding an RFC 5321 mailbox. */
export function toAddress(value: unknown): string | null {
  if (typeof value !== "string") return null;
  const email = normaliseEmail(value);
  return isMailbox(email) ? email : null;
}
