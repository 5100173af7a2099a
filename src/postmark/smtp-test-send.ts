// Sends the test message over SMTP from the Worker. worker-mailer 1.2.1 (cloudflare:sockets) is the transport:
// its socket, STARTTLS upgrade and AUTH PLAIN/LOGIN. Every other command is written here, in the project's
// subclass below, because the library gets them wrong for a well-mannered client (and has no option for it):
// `EHLO 127.0.0.1` (neither a domain nor an address literal), `MAIL FROM: <a> ` and `RCPT TO: <b> NOTIFY=NEVER`
// (no bounce for a failed test), capabilities kept from before STARTTLS, no QUIT after a failure. The message is
// composed by test-message.ts, not by its Email class. Its `dsn` option cannot produce "no NOTIFY parameter".
// The wrapper also makes the API key cross only a TLS connection, knows every failure by its step, and ends
// the whole session by a deadline with the socket closed whatever the server does.
import { LogLevel, WorkerMailer, type WorkerMailerOptions } from "worker-mailer";
import { withDeadline } from "../deadline";
import type { SendSettings, TestMessage } from "./test-message";
import { type SmtpFailure, type SmtpStep, sanitiseReply } from "./test-send-outcome";

/**
 * The bound on one SMTP session. The API promises an answer within 20 s; the rest is left for the
 * D1 reads and writes around the send.
 */
export const SMTP_DEADLINE_MS = 15_000;

/** How long the answer to QUIT is awaited before the socket is closed anyway. */
const QUIT_WAIT_MS = 1000;

/** The longest server reply read before the answer is treated as garbage (Postmark's EHLO is ~200 bytes). */
const MAX_REPLY_CHARS = 16 * 1024;

/**
 * What this module uses of worker-mailer 1.2.1 beyond its public API (see dist/index.mjs): the socket, the
 * STARTTLS upgrade (`tls`), AUTH (`auth`, which picks PLAIN or LOGIN from the capabilities) and the writers.
 * Its session setup (`initializeSmtpSession`) AUTHs in plain text when EHLO offers no STARTTLS, its `read` spins
 * forever once the server closes the connection (a closed reader keeps answering `done`, which it skips), it
 * ignores `responseTimeoutMs`, and its `close` waits for the answer to QUIT. So the session steps are called one
 * by one here, with `read` replaced. The version is pinned; the tests run every step against real servers.
 */
interface WorkerMailerInternals {
  socket: Socket;
  reader: ReadableStreamDefaultReader<Uint8Array>;
  supportsStartTls: boolean;
  allowAuth: boolean;
  authTypeSupported: string[];
  supportsDSN: boolean;
  waitForSocketConnected(): Promise<void>;
  greet(): Promise<void>;
  tls(): Promise<void>;
  auth(): Promise<void>;
  parseCapabilities(reply: string): void;
  read(): Promise<string>;
  write(data: string): Promise<void>;
  writeLine(line: string): Promise<void>;
}
const WorkerMailerSteps = WorkerMailer as unknown as new (options: WorkerMailerOptions) => WorkerMailerInternals;

/**
 * The EHLO argument (RFC 5321 4.1.1.1: a fully-qualified domain name, else an address literal) for the host the
 * Worker is reached at (PUBLIC_URL's, else the request's). Strict servers refuse anything else
 * (Postfix `reject_non_fqdn_helo_hostname`); a host that is neither, like `localhost`, gives `[127.0.0.1]`.
 */
export function ehloArgument(host: string): string {
  const name = host.toLowerCase().replace(/\.$/, "");
  if (/^\d{1,3}(?:\.\d{1,3}){3}$/.test(name)) return `[${name}]`;
  if (/^\[[0-9a-f:.]+\]$/.test(name)) return `[IPv6:${name.slice(1, -1)}]`;
  const label = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?";
  const fqdn = new RegExp(`^${label}(?:\\.${label})+$`);
  if (fqdn.test(name) && !/\.\d+$/.test(name)) return name;
  return "[127.0.0.1]";
}

/** RFC 5321 4.5.2: a line of the message that starts with a period gets one more. */
const dotStuffed = (data: string) => data.replace(/^\./gm, "..");

class SmtpSessionError extends Error {
  constructor(readonly failure: SmtpFailure) {
    super(failure.kind);
  }
}

const SMTP_REPLY_LINE = /^\d{3}(?:[ -]|$)/;

class GuardedMailer extends WorkerMailerSteps {
  step: SmtpStep = "connect";
  /** The last reply read in the current step; a worker-mailer error after one means the server refused. */
  private replyInStep: string | null = null;
  private readonly decoder = new TextDecoder();

  constructor(
    options: WorkerMailerOptions,
    private readonly secrets: string[],
    private readonly clientName: string,
  ) {
    super(options);
  }

  async deliver(message: TestMessage): Promise<void> {
    await this.run("connect", () => this.waitForSocketConnected());
    await this.run("greeting", () => this.greet());
    await this.run("ehlo", () => this.ehlo());
    // Here worker-mailer would carry on in plain text and send the key: stop before AUTH instead.
    if (!this.supportsStartTls) throw new SmtpSessionError({ kind: "tls_unavailable" });
    await this.run("starttls", () => this.tls());
    await this.run("tls_ehlo", () => this.ehlo());
    // worker-mailer would skip AUTH and send: a success that checked nothing. PLAIN and LOGIN are what it does.
    const usable = this.authTypeSupported.filter((m) => m === "plain" || m === "login");
    if (!this.allowAuth || usable.length === 0) throw new SmtpSessionError({ kind: "auth_unavailable" });
    await this.run("auth", () => this.auth());
    await this.run("mail_from", () => this.command(`MAIL FROM:<${message.envelopeFrom}>`, "2"));
    // No NOTIFY parameter: the server's default DSN behaviour, so the sender hears when a test fails later on.
    await this.run("rcpt_to", () => this.command(`RCPT TO:<${message.envelopeTo}>`, "2"));
    await this.run("data", () => this.command("DATA", "3"));
    await this.run("message", async () => {
      await this.write(`${dotStuffed(message.data)}.\r\n`);
      await this.expectReply("2");
    });
  }

  /** EHLO with a valid argument; the capabilities of the last EHLO only (RFC 3207 4.2: forget those before TLS). */
  private async ehlo(): Promise<void> {
    // No fallback to HELO: without EHLO there is no STARTTLS, and without STARTTLS the key is never sent.
    const reply = await this.command(`EHLO ${this.clientName}`, "2");
    this.supportsStartTls = false;
    this.allowAuth = false;
    this.authTypeSupported = [];
    this.supportsDSN = false;
    this.parseCapabilities(reply);
  }

  private async command(line: string, success: "2" | "3"): Promise<string> {
    await this.writeLine(line);
    return this.expectReply(success);
  }

  private async expectReply(success: "2" | "3"): Promise<string> {
    const reply = await this.read();
    if (!reply.startsWith(success)) throw new Error("refused"); // replyInStep holds the reply
    return reply;
  }

  private async run(step: SmtpStep, action: () => Promise<unknown>): Promise<void> {
    this.step = step;
    this.replyInStep = null;
    try {
      await action();
    } catch (err) {
      throw this.toSessionError(err);
    }
  }

  toSessionError(err: unknown): SmtpSessionError {
    if (err instanceof SmtpSessionError) return err;
    if (this.replyInStep !== null) {
      const reply = sanitiseReply(this.replyInStep, this.secrets);
      const refusedEhlo = this.step === "ehlo" || this.step === "tls_ehlo";
      return new SmtpSessionError({
        kind: "rejected",
        step: this.step,
        code: Number(reply.slice(0, 3)),
        reply,
        ...(refusedEhlo ? { clientName: this.clientName } : {}),
      });
    }
    const detail = sanitiseReply(err instanceof Error ? err.message : String(err), this.secrets);
    return new SmtpSessionError({ kind: "network", step: this.step, detail });
  }

  /** One complete (possibly multi-line) reply; fails on end of stream and on anything that is not SMTP. */
  override async read(): Promise<string> {
    let buffered = "";
    for (;;) {
      const { value, done } = await this.reader.read();
      if (done) throw new SmtpSessionError({ kind: "closed", step: this.step });
      buffered += this.decoder.decode(value, { stream: true });
      const lines = buffered.split(/\r?\n/);
      const partial = lines.at(-1)!;
      const complete = lines.slice(0, -1);
      // A line is judged as soon as it has its first 4 characters, so garbage without a newline fails fast too.
      const bad = [...complete, ...(partial.length >= 4 ? [partial] : [])].find((line) => !SMTP_REPLY_LINE.test(line));
      if (bad !== undefined || buffered.length > MAX_REPLY_CHARS) {
        // What it sent is not kept: echoing a peer's bytes would make the test send a banner grabber.
        throw new SmtpSessionError({ kind: "garbage", step: this.step });
      }
      const last = complete.at(-1);
      if (last === undefined || partial !== "" || /^\d{3}-/.test(last)) continue;
      this.replyInStep = buffered;
      return buffered;
    }
  }

  /**
   * Ends the session: QUIT (and a short wait for its answer, RFC 5321 4.1.1.10) while the session is still
   * usable, which servers log as a clean end; then the socket is closed whatever the server does.
   */
  async hangUp(sayQuit: boolean): Promise<void> {
    if (sayQuit) {
      const quit = (async () => {
        await this.writeLine("QUIT");
        await this.read();
      })();
      await Promise.race([quit, new Promise((resolve) => setTimeout(resolve, QUIT_WAIT_MS))]).catch(() => {});
    }
    await this.socket.close().catch(() => {});
  }
}

/** Whether the session can still take a command after this failure (the server is waiting for one). */
function sessionUsable(failure: SmtpFailure): boolean {
  switch (failure.kind) {
    case "tls_unavailable":
    case "auth_unavailable":
      return true;
    case "rejected":
      return failure.code !== 421; // 421: the server is closing the connection
    default:
      return false; // timed out mid-step, closed, garbage, or a broken socket
  }
}

export type SmtpSendResult = { ok: true; elapsedMs: number } | { ok: false; failure: SmtpFailure; elapsedMs: number };

export async function sendOverSmtp(
  target: Pick<SendSettings, "host" | "port" | "apiKey">,
  message: TestMessage,
  options: {
    deadlineMs?: number;
    clientName: string;
    /** Where the goodbye (QUIT, its answer, closing the socket) runs, so the outcome need not wait for it. */
    waitUntil?: (goodbye: Promise<unknown>) => void;
  },
): Promise<SmtpSendResult> {
  const deadlineMs = options.deadlineMs ?? SMTP_DEADLINE_MS;
  const started = Date.now();
  const elapsed = () => Date.now() - started;
  // Forms in which the key crosses the wire, kept out of any reply we repeat.
  const secrets = [target.apiKey, btoa(target.apiKey), btoa(`\0${target.apiKey}\0${target.apiKey}`)];
  let mailer: GuardedMailer;
  try {
    mailer = new GuardedMailer(
      {
        host: target.host,
        port: target.port,
        secure: false,
        startTls: true,
        credentials: { username: target.apiKey, password: target.apiKey },
        authType: ["plain", "login"],
        socketTimeoutMs: deadlineMs,
        logLevel: LogLevel.NONE, // its DEBUG level would log the AUTH lines
      },
      secrets,
      options.clientName,
    );
  } catch (err) {
    return {
      ok: false,
      failure: { kind: "network", step: "connect", detail: sanitiseReply(String(err), secrets) },
      elapsedMs: elapsed(),
    };
  }

  let result: SmtpSendResult;
  try {
    await withDeadline(
      mailer.deliver(message),
      deadlineMs,
      () => new SmtpSessionError({ kind: "timeout", step: mailer.step, afterMs: deadlineMs }),
    );
    result = { ok: true, elapsedMs: elapsed() };
  } catch (err) {
    result = { ok: false, failure: mailer.toSessionError(err).failure, elapsedMs: elapsed() };
  }
  const goodbye = mailer.hangUp(result.ok || sessionUsable(result.failure));
  if (options.waitUntil) options.waitUntil(goodbye);
  else await goodbye;
  return result;
}
