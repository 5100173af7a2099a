/// <reference path="../provided-context.d.ts" />
// vitest globalSetup, in Node: real SMTP servers for the test-email tests, one per behaviour, on port 0, and
// the local Postmark API stand-in (scripts/lib/postmark-api/), which does bounce testing for the `postmark` one.
// The Postmark-like ones are scripts/lib/mail-server.ts (smtp-server) made to misbehave through its hooks;
// the ones that are not SMTP at all are bare TCP servers. Tests in workerd cannot call into Node, so a small
// HTTP inspector reports what each server saw (connections, plain-text bytes, messages).
import { randomUUID } from "node:crypto";
import { createServer as createHttpServer } from "node:http";
import { type AddressInfo, createServer, type Server, type Socket } from "node:net";
import type { TestProject } from "vitest/node";
import { type RunningMailServer, recordWire, startMailServer, type WireRecord } from "../../scripts/lib/mail-server.ts";
import { startPostmarkApi } from "../../scripts/lib/postmark-api/server.ts";
import { generateLocalCertificate } from "../../scripts/lib/tls-certificate.ts";
import { TOKENS_KNOWN_TO_POSTMARK } from "../fixtures/postmark-tokens.ts";
import type { SmtpServerName } from "../provided-context";
import { startNotificationReceiver } from "./notification-receiver.ts";

type Inspectable = WireRecord & {
  messages?: RunningMailServer["messages"];
  sessions?: RunningMailServer["sessions"];
  close(): Promise<void>;
};

const smtpError = (responseCode: number, message: string) => Object.assign(new Error(message), { responseCode });

/** A bare TCP server that does `behave` with every connection (for servers that are not SMTP at all). */
async function startTcpServer(behave: (socket: Socket) => void): Promise<Inspectable & { port: number }> {
  const server: Server = createServer((socket) => {
    socket.on("error", () => {});
    behave(socket);
  });
  const wire = recordWire(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const open = new Set<Socket>();
  server.on("connection", (socket) => {
    open.add(socket);
    socket.on("close", () => open.delete(socket));
  });
  return {
    ...wire,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port with nothing listening: bound, read, released. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export default async function setup(project: TestProject) {
  const trusted = await generateLocalCertificate();
  const untrusted = await generateLocalCertificate();
  const token = `server-token-${randomUUID()}`;
  const accountToken = `account-token-${randomUUID()}`;
  // Suppression changes apply only when a test flushes them (POST /__standin/flush), so no test races a timer.
  const postmarkApi = await startPostmarkApi({
    applyDelayMs: Number.POSITIVE_INFINITY,
    accountToken,
    servers: [token, ...TOKENS_KNOWN_TO_POSTMARK].map((t) => ({ token: t, name: "Shared test server" })),
  });
  const postmarkLike = (overrides = {}, cert = trusted) => startMailServer({ ...cert, tokens: [token], overrides });

  // Sockets by session, so a server can drop a connection in the middle of DATA.
  const secureSockets = new Map<string, Socket>();

  const servers: Record<Exclude<SmtpServerName, "nothingListening">, Inspectable & { port: number }> = {
    postmark: await startMailServer({ ...trusted, tokens: [token], postmarkApi }),
    untouched: await postmarkLike(), // for tests that assert no connection at all
    tokenCheck: await postmarkLike(), // for the wrong-token test, whose counts must not mix with other files' sends
    noStartTls: await postmarkLike({ hideSTARTTLS: true, allowInsecureAuth: true }),
    // STARTTLS, then no AUTH offered, and any message taken: a relay that checks nothing.
    noAuthAfterTls: await postmarkLike({ disabledCommands: ["AUTH"], authOptional: true }),
    untrustedCertificate: await postmarkLike({}, untrusted),
    // Refuses every token and repeats it in the reply, so the answer has to keep it out.
    echoesToken: await postmarkLike({
      onAuth: (auth: { username?: string }, _session: unknown, callback: (err?: Error) => void) =>
        callback(smtpError(535, `Error: authentication failed for ${auth.username}`)),
    }),
    rejectsSender: await postmarkLike({
      onMailFrom: (_address: unknown, _session: unknown, callback: (err?: Error) => void) =>
        callback(smtpError(550, "Error: The 'From' address you supplied is not a Sender Signature on your account")),
    }),
    rejectsRecipient: await postmarkLike({
      onRcptTo: (_address: unknown, _session: unknown, callback: (err?: Error) => void) =>
        callback(smtpError(550, "Error: You tried to send to a recipient that has been marked as inactive")),
    }),
    rejectsMessage: await postmarkLike({
      onData: (stream: NodeJS.ReadableStream, _session: unknown, callback: (err?: Error) => void) => {
        stream.resume();
        stream.on("end", () => callback(smtpError(554, "Error: Message stream not found or disabled")));
      },
    }),
    stallsAfterMessage: await postmarkLike({
      onData: (stream: NodeJS.ReadableStream) => stream.resume(), // never confirms
    }),
    dropsMidMessage: await postmarkLike({
      onSecure: (socket: Socket, session: { id: string }, callback: () => void) => {
        secureSockets.set(session.id, socket);
        callback();
      },
      onData: (stream: NodeJS.ReadableStream, session: { id: string }) => {
        stream.once("data", () => secureSockets.get(session.id)?.destroy());
      },
    }),
    silent: await startTcpServer(() => {}),
    stallsMidGreeting: await startTcpServer((socket) => socket.write("220-smtp.stalled.test ESMTP\r\n")),
    closesAtOnce: await startTcpServer((socket) => socket.destroy()),
    answersGarbage: await startTcpServer((socket) =>
      socket.write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"),
    ),
  };

  const inspector = createHttpServer(async (req, res) => {
    const server = servers[(req.url ?? "").slice(1) as keyof typeof servers];
    if (!server) return res.writeHead(404).end();
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(
      JSON.stringify({
        connections: server.connections(),
        openConnections: await server.openConnections(),
        plainText: server.plainText(),
        messages: server.messages ?? [],
        sessions: server.sessions?.() ?? [],
      }),
    );
  });
  await new Promise<void>((resolve) => inspector.listen(0, "127.0.0.1", resolve));

  const ports = Object.fromEntries(Object.entries(servers).map(([name, s]) => [name, s.port])) as Record<
    SmtpServerName,
    number
  >;
  ports.nothingListening = await freePort();
  project.provide("smtp", {
    caCert: trusted.cert,
    token,
    ports,
    inspectorUrl: `http://127.0.0.1:${(inspector.address() as AddressInfo).port}`,
  });
  project.provide("postmark", { url: postmarkApi.url, accountToken });
  const notificationReceiver = await startNotificationReceiver();
  project.provide("notifications", { url: notificationReceiver.url });

  return async () => {
    inspector.close();
    await notificationReceiver.close();
    await postmarkApi.close();
    await Promise.all(Object.values(servers).map((s) => s.close()));
  };
}
