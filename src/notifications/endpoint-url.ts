// Where notifications may go. The URL is chosen by a tenant, so it is treated as an attacker's: HTTPS to a
// public host only (the test email's host rule, src/postmark/smtp-destination.ts), no credentials in it. The
// local switch SMTP_ALLOW_PRIVATE_HOSTS lifts the host rule and then also allows http on loopback. Pure.
import { hostPolicyProblem } from "../postmark/smtp-destination";

export const MAX_ENDPOINT_URL_LENGTH = 2000;
const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|::1)$/;

/** What is wrong with `value` as a notification endpoint, or null when it may be used. */
export function endpointUrlProblem(value: string, allowPrivate: boolean): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "must be an absolute https:// URL";
  }
  if (url.username !== "" || url.password !== "")
    return "must not carry credentials: the signature authenticates each delivery";
  const host = url.hostname.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  if (url.protocol === "http:") {
    return allowPrivate && LOOPBACK.test(host)
      ? null
      : "must use https:// (http is allowed only on loopback in local runs)";
  }
  if (url.protocol !== "https:") return "must be an absolute https:// URL";
  if (allowPrivate) return null;
  const problem = hostPolicyProblem(host);
  return problem ? `host ${problem}` : null;
}
