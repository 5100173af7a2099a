// Sends the test message over SMTP from the Worker: worker-mailer (cloudflare:sockets) drives the dialogue,
// wrapped so that the API key only ever crosses a TLS connection, every failure is known by its step, and
// the whole session ends by a deadline with the socket closed whatever the server does.
import { Email, type EmailOptions, LogLevel, WorkerMailer, type WorkerMailerOptions } from "worker-mailer";
import { withDeadline } from "../deadline";
import type { SendSettings } from "./test-message";
import { type SmtpFailure, type SmtpStep, sanitiseReply } from "./test-send-outcome";

/**
 * The bound on one SMTP session. The API promises an answer within 20 s; the rest is left for the
 * D1 reads and writes around the send.
 */
export const SMTP_DEADLINE_MS = 15_000;

/** The longest server reply read before the answer is treated as garbage (Postmark's EHLO is ~200 bytes). */
const MAX_REPLY_CHARS = 16 * 1024;

/**
 * What this module uses of worker-mailer 1.2.1 beyond its public API (see dist/index.mjs). Its session setup
 * (`initializeSmtpSession`) AUTHs in plain text when EHLO offers no STARTTLS, its `read` spins forever once
 * the server closes the connection (a closed reader keeps answering `done`, which it skips), it ignores
 * `responseTimeoutMs`, and its `close` waits for the answer to QUIT. So the session steps are called one by
 * one here, with `read` replaced. The version is pinned; the tests run every step against real servers.
 */
interface WorkerMailerInternals {
  socket: Socket;
  reader: ReadableStreamDefaultReader<Uint8Array>;
  emailSending: Email | null;
  supportsStartTls: boolean;
  waitForSocketConnected(): Promise<void>;
  greet(): Promise<void>;
  ehlo(): Promise<void>;
  tls(): Promise<void>;
  auth(): Promise<void>;
  mail(): Promise<void>;
  rcpt(): Promise<void>;
  data(): Promise<void>;
  body(): Promise<void>;
  read(): Promise<string>;
  writeLine(line: string): Promise<void>;
}
const WorkerMailerSteps = WorkerMailer as unknown as new (options: WorkerMailerOptions) => WorkerMailerInternals;

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
  ) {
    super(options);
  }

  async deliver(email: EmailOptions): Promise<void> {
    await this.run("connect", () => this.waitForSocketConnected());
    await this.run("greeting", () => this.greet());
    await this.run("ehlo", () => this.ehlo());
    // Here worker-mailer would carry on in plain text and send the key: stop before AUTH instead.
    if (!this.supportsStartTls) throw new SmtpSessionError({ kind: "tls_unavailable" });
    await this.run("starttls", () => this.tls());
    await this.run("tls_ehlo", () => this.ehlo());
    await this.run("auth", () => this.auth());
    this.emailSending = new Email(email);
    await this.run("mail_from", () => this.mail());
    await this.run("rcpt_to", () => this.rcpt());
    await this.run("data", () => this.data());
    await this.run("message", () => this.body());
  }

  private async run(step: SmtpStep, action: () => Promise<void>): Promise<void> {
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
      return new SmtpSessionError({ kind: "rejected", step: this.step, code: Number(reply.slice(0, 3)), reply });
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
        throw new SmtpSessionError({
          kind: "garbage",
          step: this.step,
          received: sanitiseReply(bad ?? buffered, this.secrets).slice(0, 80),
        });
      }
      const last = complete.at(-1);
      if (last === undefined || partial !== "" || /^\d{3}-/.test(last)) continue;
      this.replyInStep = buffered;
      return buffered;
    }
  }

  /** Ends the session without waiting on the server; QUIT only as a courtesy after a delivered message. */
  hangUp(sayQuit: boolean): void {
    const close = () => void this.socket.close().catch(() => {});
    if (!sayQuit) {
      close();
      return;
    }
    void Promise.race([this.writeLine("QUIT"), new Promise((resolve) => setTimeout(resolve, 250))])
      .catch(() => {})
      .finally(close);
  }
}

export type SmtpSendResult = { ok: true; elapsedMs: number } | { ok: false; failure: SmtpFailure; elapsedMs: number };

export async function sendOverSmtp(
  target: Pick<SendSettings, "host" | "port" | "apiKey">,
  email: EmailOptions,
  deadlineMs = SMTP_DEADLINE_MS,
): Promise<SmtpSendResult> {
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
    );
  } catch (err) {
    return {
      ok: false,
      failure: { kind: "network", step: "connect", detail: sanitiseReply(String(err), secrets) },
      elapsedMs: elapsed(),
    };
  }

  let delivered = false;
  try {
    await withDeadline(
      mailer.deliver(email),
      deadlineMs,
      () => new SmtpSessionError({ kind: "timeout", step: mailer.step, afterMs: deadlineMs }),
    );
    delivered = true;
    return { ok: true, elapsedMs: elapsed() };
  } catch (err) {
    return { ok: false, failure: mailer.toSessionError(err).failure, elapsedMs: elapsed() };
  } finally {
    mailer.hangUp(delivered);
  }
}
