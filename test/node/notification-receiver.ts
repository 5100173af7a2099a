// A platform's endpoint for the Worker's notifications, in Node (tests in workerd cannot listen): every POST to
// /hooks/<behaviour>/<anything> is recorded with its headers and exact body, and answered as <behaviour> says:
// `ok` 204, `fail` 500, `redirect` 302 to /hooks/ok/followed, `slow` after 10 s. GET /received?path=<prefix>
// lists what arrived under a path, oldest first.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedNotification {
  path: string;
  headers: Record<string, string>;
  body: string;
}

export async function startNotificationReceiver(): Promise<{ url: string; close(): Promise<void> }> {
  const received: ReceivedNotification[] = [];
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://receiver");
    if (req.method === "GET" && url.pathname === "/received") {
      const prefix = url.searchParams.get("path") ?? "/";
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify(received.filter((r) => r.path.startsWith(prefix))));
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers[name] = value;
    received.push({ path: url.pathname, headers, body: Buffer.concat(chunks).toString("utf8") });
    const behaviour = url.pathname.split("/")[2];
    if (behaviour === "slow") await new Promise((resolve) => setTimeout(resolve, 10_000));
    if (behaviour === "ok" || behaviour === "slow") res.writeHead(204).end();
    else if (behaviour === "redirect") res.writeHead(302, { Location: "/hooks/ok/followed" }).end();
    else res.writeHead(500, { "Content-Type": "text/plain" }).end("failing on purpose");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
