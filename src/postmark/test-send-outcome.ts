// Every way a test send can end, as the one error code, message and hint that POST /v1/email/test answers.
// Pure: the SMTP session (smtp-test-send.ts) reports what happened as an SmtpFailure, this decides what it means.
import { peerText } from "../text";
import type { SendSettings } from "./test-message";

export type TestSendErrorCode =
  | "not_configured"
  | "recipient_suppressed"
  | "connection_failed"
  | "tls_failed"
  | "tls_unavailable"
  | "auth_failed"
  | "auth_unavailable"
  | "sender_rejected"
  | "recipient_rejected"
  | "message_rejected"
  | "timeout"
  | "smtp_error";

export interface TestSendError {
  code: TestSendErrorCode;
  message: string;
  hint: string;
}

/** The steps of the SMTP session, in order. */
export type SmtpStep =
  | "connect"
  | "greeting"
  | "ehlo"
  | "starttls"
  | "tls_ehlo"
  | "auth"
  | "mail_from"
  | "rcpt_to"
  | "data"
  | "message";

export type SmtpFailure =
  /** The deadline passed while waiting in `step`. */
  | { kind: "timeout"; step: SmtpStep; afterMs: number }
  /** EHLO did not offer STARTTLS: the session stopped before AUTH. */
  | { kind: "tls_unavailable" }
  /** After STARTTLS, EHLO offered no AUTH (or none by PLAIN or LOGIN): the key was never checked, nothing was sent. */
  | { kind: "auth_unavailable" }
  /** The server answered `step` with a non-success reply (`clientName`: the EHLO argument, for a refused EHLO). */
  | { kind: "rejected"; step: SmtpStep; code: number; reply: string; clientName?: string }
  /** The server closed the connection during `step`. */
  | { kind: "closed"; step: SmtpStep }
  /** The server answered something that is not an SMTP reply. */
  | { kind: "garbage"; step: SmtpStep }
  /** The socket failed (connection refused, TLS handshake failure, ...). */
  | { kind: "network"; step: SmtpStep; detail: string };

/** What a failure's message may name: where the test went, from whom, to whom. */
export type SendTarget = Pick<SendSettings, "host" | "port" | "fromEmail" | "messageStream"> & { to: string };

const PORT_HINT =
  "Check the host and port: Postmark's SMTP server is smtp.postmarkapp.com (smtp-broadcasts.postmarkapp.com for broadcast streams) on port 25, 2525 or 587; prefer 587 or 2525, since port 25 is often blocked outbound.";
const TOKEN_HINT =
  "Use the Server API token (Postmark -> Servers -> your server -> API Tokens) as the API key, not the Account token, and check that it was pasted whole.";
const TEMPORARY_HINT = "The server reported a temporary problem: try again in a few minutes.";

const WAITING_FOR: Record<SmtpStep, string> = {
  connect: "the connection to open",
  greeting: "its greeting",
  ehlo: "its answer to EHLO",
  starttls: "its answer to STARTTLS",
  tls_ehlo: "its first answer over TLS",
  auth: "its answer to the API token",
  mail_from: "its answer to the sender",
  rcpt_to: "its answer to the recipient",
  data: "its answer to DATA",
  message: "it to confirm the message",
};

/** A server reply made safe to show: one line, printable, bounded, with any secret removed. */
export function sanitiseReply(reply: string, secrets: readonly string[] = []): string {
  // SMTP replies are ASCII: anything else is shown as "?".
  return peerText(reply.replace(/[^\x20-\x7e\r\n\t]/g, "?"), 203, secrets);
}

export const notConfigured = (why = "Email is not set up yet"): TestSendError => ({
  code: "not_configured",
  message: `${why}: there are no settings with an API key to send the test with.`,
  hint: "Save the Postmark settings with the Server API token first (PUT /v1/email/settings), or send them with the test as `settings`, including `apiKey`.",
});

/** Settings saved before the host and port policy (postmark/smtp-destination.ts) that it now refuses. */
export const savedDestinationRefused = (host: string, port: number): TestSendError => ({
  code: "not_configured",
  message: `The saved settings point at ${host}:${port}, which test emails may not reach: only public hosts on Postmark's SMTP ports (25, 587, 2525).`,
  hint: "Save the Postmark settings again with smtp.postmarkapp.com and port 587 (or 2525, 25).",
});

export const recipientSuppressed = (to: string, stream: string, reason: string): TestSendError => ({
  code: "recipient_suppressed",
  message: `${to} is on the suppression list of the "${stream}" stream (${reason.replace(/_/g, " ")}), so nothing was sent.`,
  hint: "Send the test to another address, or reactivate this one in Suppressions if it was suppressed by mistake.",
});

// A handshake that fails shows up as an error or as the server hanging up, right after STARTTLS.
const tlsFailed = (server: string): TestSendError => ({
  code: "tls_failed",
  message: `The TLS handshake with ${server} failed (for example an untrusted or mismatched certificate); the API key was not sent.`,
  hint: "Use the server's real host name (smtp.postmarkapp.com), whose certificate is trusted, and no proxy that intercepts TLS.",
});

export function explainFailure(failure: SmtpFailure, target: SendTarget): TestSendError {
  const server = `${target.host}:${target.port}`;
  switch (failure.kind) {
    case "tls_unavailable":
      return {
        code: "tls_unavailable",
        message: `${server} does not offer STARTTLS, so the API key was not sent over the unencrypted connection.`,
        hint: `Use a server that supports STARTTLS, such as smtp.postmarkapp.com on port 587 or 2525. ${PORT_HINT}`,
      };
    case "auth_unavailable":
      return {
        code: "auth_unavailable",
        message: `${server} did not ask for the Server API token (no AUTH PLAIN or LOGIN after STARTTLS), so the settings were not verified; nothing was sent.`,
        hint: "Is the host really Postmark's? smtp.postmarkapp.com always asks for the Server API token; a server that does not cannot confirm the settings.",
      };
    case "timeout": {
      const seconds = Math.round(failure.afterMs / 100) / 10;
      if (failure.step === "message") {
        return {
          code: "timeout",
          message: `${server} did not confirm the message within ${seconds} s; it may or may not have been delivered.`,
          hint: "Check Postmark's Activity for the message before trying again.",
        };
      }
      return {
        code: "timeout",
        message: `${server} did not answer within ${seconds} s (waiting for ${WAITING_FOR[failure.step]}).`,
        hint: `${PORT_HINT} Port 465 never answers: Postmark offers TLS only by STARTTLS.`,
      };
    }
    case "closed":
      if (failure.step === "starttls" || failure.step === "tls_ehlo") return tlsFailed(server);
      if (failure.step === "connect" || failure.step === "greeting") {
        return {
          code: "connection_failed",
          message: `${server} closed the connection before greeting: it does not look like an SMTP server.`,
          hint: PORT_HINT,
        };
      }
      return {
        code: "smtp_error",
        message: `${server} closed the connection while waiting for ${WAITING_FOR[failure.step]}; the message was not sent.`,
        hint: `Try again; if it keeps happening, check the settings. ${PORT_HINT}`,
      };
    case "garbage":
      return {
        code: "smtp_error",
        message: `${server} answered something that is not SMTP.`,
        hint: `Check that the host and port point at an SMTP server. ${PORT_HINT}`,
      };
    case "network":
      if (failure.step === "connect") {
        return { code: "connection_failed", message: `Could not connect to ${server}.`, hint: PORT_HINT };
      }
      if (failure.step === "starttls" || failure.step === "tls_ehlo") return tlsFailed(server);
      return {
        code: "smtp_error",
        message: `The connection to ${server} failed while waiting for ${WAITING_FOR[failure.step]}; the message was not sent.`,
        hint: "Try again in a moment.",
      };
    case "rejected":
      return explainRejection(failure, target, server);
  }
}

function explainRejection(
  failure: Extract<SmtpFailure, { kind: "rejected" }>,
  target: SendTarget,
  server: string,
): TestSendError {
  const said = `${server} answered: ${failure.reply}`;
  if (failure.step === "starttls") {
    return {
      code: "tls_unavailable",
      message: `${server} refused to start TLS, so the API key was not sent. ${said}`,
      hint: PORT_HINT,
    };
  }
  // 421 (closing) and other 4xx replies are temporary whatever the step.
  if (failure.code >= 400 && failure.code < 500) {
    return { code: "smtp_error", message: `${server} temporarily refused the message. ${said}`, hint: TEMPORARY_HINT };
  }
  if (failure.step === "ehlo" || failure.step === "tls_ehlo") {
    // Typically a HELO policy (reject_non_fqdn_helo_hostname and the like) refusing the name the Worker gave.
    return {
      code: "smtp_error",
      message: `${server} refused the Worker's greeting (EHLO ${failure.clientName ?? "with its host name"}). ${said}`,
      hint: `The server does not accept this client's EHLO name; Postmark accepts it. Check that the host is Postmark's SMTP server. ${PORT_HINT}`,
    };
  }
  switch (failure.step) {
    case "auth":
      return { code: "auth_failed", message: `Postmark did not accept the API key. ${said}`, hint: TOKEN_HINT };
    case "mail_from":
      return {
        code: "sender_rejected",
        message: `The server refused the sender ${target.fromEmail}. ${said}`,
        hint: `Confirm the sender signature for ${target.fromEmail} (or its domain) in Postmark -> Sender Signatures, and that the API key belongs to the server that uses it.`,
      };
    case "rcpt_to":
      return {
        code: "recipient_rejected",
        message: `The server refused the recipient ${target.to}. ${said}`,
        hint: "Check the address; while a Postmark account is pending approval it may only send to its own domain.",
      };
    case "data":
    case "message":
      return {
        code: "message_rejected",
        message: `The server refused the message. ${said}`,
        hint: `Check that the message stream "${target.messageStream}" exists on this Postmark server and is a transactional or broadcast stream that may send.`,
      };
    default:
      return {
        code: "smtp_error",
        message: `The SMTP session failed. ${said}`,
        hint: `Check the settings and try again. ${PORT_HINT}`,
      };
  }
}

/** What a successful test says, beyond the facts. */
export const SENT_HINT =
  "Sent: it should arrive within a minute. If it does not, check the spam folder, then Postmark's Activity for the message stream.";
