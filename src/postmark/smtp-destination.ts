// Where a test email may connect: Postmark's SMTP ports on a public host. Without this rule the test send is an
// SSRF and port-scanning tool (loopback, the private network, cloud metadata endpoints). Pure, table-tested.
import ipaddr from "ipaddr.js";

/** The ports Postmark's SMTP servers listen on. */
export const SMTP_PORTS = [25, 587, 2525] as const;

/** Names that never leave the local machine or network (RFC 6761, RFC 6762, and the `.internal` TLD). */
const LOCAL_NAMES = /(^|\.)(localhost|local|internal)$/;
/** WHATWG URL "ends in a number": a last label of digits or 0x-hex makes the whole host an IPv4 spelling. */
const NUMERIC_LAST_LABEL = /(^|\.)(\d+|0x[0-9a-f]*)$/;
const IPV6_GLOBAL_UNICAST = ipaddr.IPv6.parse("2000::");

/**
 * What is wrong with connecting to `host`:`port` under the default policy, by field (`host`, `port`; empty when
 * nothing is). With `allowPrivate` (SMTP_ALLOW_PRIVATE_HOSTS, for local development) every destination is
 * allowed. Only the name is checked: a DNS name that resolves to a private address cannot be caught here.
 */
export function smtpDestinationProblems(host: string, port: number, allowPrivate: boolean): Record<string, string> {
  if (allowPrivate) return {};
  const problems: Record<string, string> = {};
  const hostProblem = hostPolicyProblem(
    host
      .trim()
      .toLowerCase()
      .replace(/^\[(.*)\]$/, "$1"),
  );
  if (hostProblem) problems.host = hostProblem;
  if (!(SMTP_PORTS as readonly number[]).includes(port))
    problems.port = `must be one of Postmark's SMTP ports: ${SMTP_PORTS.join(", ")}`;
  return problems;
}

/**
 * What is wrong with `host` (lower-cased, IPv6 without brackets) as a destination a tenant chose: null when it is
 * a public IP address or a public DNS name. Also the rule for notification endpoints (src/notifications/).
 */
export function hostPolicyProblem(host: string): string | null {
  if (host.includes(":")) {
    return ipaddr.IPv6.isValid(host) && isPublicIpv6(ipaddr.IPv6.parse(host))
      ? null
      : "must be a public IP address or a DNS name (this IPv6 address is not public)";
  }
  if (NUMERIC_LAST_LABEL.test(host)) {
    // Resolvers read 2130706433, 0x7f000001, 017700000001 and 127.1 as 127.0.0.1: only a.b.c.d is accepted.
    if (!ipaddr.IPv4.isValidFourPartDecimal(host)) return "must be an IPv4 address written as four decimal numbers";
    return ipaddr.IPv4.parse(host).range() === "unicast"
      ? null
      : "must be a public IP address or a DNS name (this address is loopback, private, link-local or reserved)";
  }
  if (LOCAL_NAMES.test(host) || !host.includes(".")) {
    return "must be a public DNS name such as smtp.postmarkapp.com (not localhost, *.local, *.internal or a single label)";
  }
  return null;
}

/** Global unicast (2000::/3) outside every special-purpose range: no v4-mapped, 6to4, Teredo or documentation. */
function isPublicIpv6(address: ipaddr.IPv6): boolean {
  return address.zoneId === undefined && address.match(IPV6_GLOBAL_UNICAST, 3) && address.range() === "unicast";
}
