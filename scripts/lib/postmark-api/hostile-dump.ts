// Test-only: a suppression dump as an attacker's (or a broken) Postmark would send it, for the import's
// bounds (issue 20). Armed per token through POST /__standin/hostile-dump; the next dump request of that
// token gets it. What was served, and whether the client went away, is read back with GET.
import type { ServerResponse } from "node:http";

export interface HostileDump {
  /** endless: entries without end, as fast as the client reads; trickle: one byte every `everyMs`. */
  kind: "endless" | "trickle";
  everyMs?: number;
}

export interface HostileDumpReport {
  /** entries (endless) or bytes (trickle) written */
  served: number;
  /** the client closed the connection */
  closed: boolean;
}

export function serveHostileDump(res: ServerResponse, dump: HostileDump, report: HostileDumpReport): void {
  res.writeHead(200, { "Content-Type": "application/json; charset=utf-8" });
  let open = true;
  res.on("close", () => {
    open = false;
    report.closed = true;
  });
  if (dump.kind === "trickle") {
    const text = `{"Suppressions":[{"EmailAddress":"slow@example.com","SuppressionReason":"HardBounce","Origin":"Recipient","CreatedAt":"2026-01-01T00:00:00Z"}`;
    const timer = setInterval(() => {
      if (!open) return clearInterval(timer);
      res.write(text[report.served % text.length] ?? " ");
      report.served++;
    }, dump.everyMs ?? 500);
    return;
  }
  res.write('{"Suppressions":[');
  const writeMore = () => {
    while (open) {
      const batch: string[] = [];
      for (let i = 0; i < 500; i++) {
        batch.push(
          JSON.stringify({
            EmailAddress: `endless-${report.served + i}@example.com`,
            SuppressionReason: "HardBounce",
            Origin: "Recipient",
            CreatedAt: "2026-01-01T00:00:00Z",
          }),
        );
      }
      const more = res.write(`${report.served === 0 ? "" : ","}${batch.join(",")}`);
      report.served += batch.length;
      if (!more) return void res.once("drain", writeMore);
    }
  };
  writeMore();
}
