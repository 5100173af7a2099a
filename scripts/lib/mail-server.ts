// A local SMTP server that behaves like smtp.postmarkapp.com:587 for the parts the Worker relies on:
// STARTTLS offered, AUTH (PLAIN/LOGIN) only over TLS with the Server API token as user and password,
// SIZE, DSN and ENHANCEDSTATUSCODES advertised, `535` for wrong credentials. Used by `npm run dev` and by the tests.
// With a Postmark API stand-in attached, it does Postmark's bounce testing: a message to
// `<BounceType>@bounce-testing.postmarkapp.com` makes the stand-in post that bounce to the stream's webhooks.
import type { AddressInfo, Server } from "node:net";
import { SMTPServer, type SMTPServerOptions } from "smtp-server";
import { headerValue } from "./mail-headers.ts";
import type { RunningPostmarkApi } from "./postmark-api/server.ts";

export { headerValue } from "./mail-headers.ts";

export interface ReceivedMessage {
  from: string;
  to: string[];
  raw: string;
  /** Whether the connection was TLS when the message (and so the AUTH before it) arrived. */
  secure: boolean;
  authUser: string | undefined;
}

export interface MailServerOptions {
  port?: number;
  host?: string;
  cert: string;
  key: string;
  /** Server API tokens accepted as both username and password. */
  tokens: string[];
  onMessage?: (message: ReceivedMessage) => void;
  /** The API stand-in that does bounce testing for messages sent here (the AUTH user is its server token). */
  postmarkApi?: Pick<RunningPostmarkApi, "bounceTest">;
  /** Extra smtp-server options, to make a server misbehave in tests. */
  overrides?: Partial<SMTPServerOptions>;
}

export interface RunningMailServer extends WireRecord {
  port: number;
  messages: ReceivedMessage[];
  /** Every SMTP session's commands as the server parsed them (credentials redacted by smtp-server), oldest first. */
  sessions(): string[][];
  close(): Promise<void>;
}

/** What a listening server saw on the wire, for tests: connections, and every byte received before TLS. */
export interface WireRecord {
  /** Connections accepted so far. */
  connections(): number;
  /** Connections open right now. */
  openConnections(): Promise<number>;
  /** Everything clients sent in plain text (before STARTTLS), all connections together. */
  plainText(): string;
}

/**
 * Taps a listening server. smtp-server removes every listener from the raw socket when it starts TLS, so the
 * tap stops exactly where the connection stops being plain text.
 */
export function recordWire(server: Server): WireRecord {
  let connections = 0;
  const received: Buffer[] = [];
  server.on("connection", (socket) => {
    connections += 1;
    socket.on("data", (chunk: Buffer) => received.push(chunk));
  });
  return {
    connections: () => connections,
    openConnections: () =>
      new Promise((resolve, reject) => server.getConnections((err, n) => (err ? reject(err) : resolve(n)))),
    plainText: () => Buffer.concat(received).toString("latin1"),
  };
}

export const MAX_MESSAGE_BYTES = 20_480_000; // what Postmark advertises

export async function startMailServer(options: MailServerOptions): Promise<RunningMailServer> {
  const messages: ReceivedMessage[] = [];
  // smtp-server logs each command ("C:", line) at debug level, over TLS too: kept per connection id.
  const commands = new Map<string, string[]>();
  const ignore = () => {};
  const commandLog = {
    debug(meta: { tnx?: string; cid?: string }, label: string, line: string) {
      if (meta?.tnx !== "command" || label !== "C:" || !meta.cid) return;
      commands.set(meta.cid, [...(commands.get(meta.cid) ?? []), line]);
    },
    info: ignore,
    warn: ignore,
    error: ignore,
    trace: ignore,
    fatal: ignore,
  };
  const server = new SMTPServer({
    name: "localhost",
    banner: "local stand-in for smtp.postmarkapp.com",
    secure: false,
    key: options.key,
    cert: options.cert,
    authMethods: ["PLAIN", "LOGIN"],
    allowInsecureAuth: false,
    size: MAX_MESSAGE_BYTES,
    hideDSN: false,
    hideENHANCEDSTATUSCODES: false,
    logger: commandLog as unknown as SMTPServerOptions["logger"],
    onAuth(auth, _session, callback) {
      const ok = auth.username === auth.password && options.tokens.includes(auth.username ?? "");
      if (!ok) {
        const err = Object.assign(new Error("Error: authentication failed: invalid token"), { responseCode: 535 });
        return callback(err);
      }
      callback(null, { user: auth.username });
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const message: ReceivedMessage = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString("utf8"),
          secure: session.secure,
          authUser: typeof session.user === "string" ? session.user : undefined,
        };
        messages.push(message);
        options.onMessage?.(message);
        callback();
        if (options.postmarkApi && message.authUser) {
          // Postmark picks the stream from this header; `outbound` without it.
          const stream = headerValue(message.raw, "X-PM-Message-Stream") ?? "outbound";
          for (const recipient of message.to) {
            void options.postmarkApi.bounceTest(message.authUser, stream, recipient, message.from);
          }
        }
      });
    },
    ...options.overrides,
  });
  server.on("error", () => {}); // a client hanging up mid-session is not the server's failure
  const wire = recordWire(server.server);

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  return {
    ...wire,
    port,
    messages,
    sessions: () => [...commands.values()],
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
