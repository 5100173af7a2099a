// The Worker as `npm run bench` runs it for the import's memory check: src/index.ts plus one route,
// GET /__bench/dump-read?stream=S (header X-Bench-Token: a Server API token), that reads the stand-in's dump
// through the very reader POST /v1/suppressions/import uses (openSuppressionDump, dumpEntries, toRow) and
// counts the entries, with no D1 behind it; with &whole=1, the way it is not done (the whole dump read and
// parsed as one document, as the client's dumpSuppressions does), for comparison. The local D1 simulator shares the workerd process with the
// Worker, so this is how the import's own memory is seen apart from it. Not what wrangler.toml deploys, and
// it refuses the route unless BENCH_SYNTHETIC_IMPORT=on, which only the bench passes on the command line.
import worker from "../../../src/index";
import { openSuppressionDump } from "../../../src/postmark/api/client";
import { utcNow } from "../../../src/postmark/timestamps";
import { dumpEntries } from "../../../src/sync/dump-entries";
import { toRow } from "../../../src/sync/import";

type BenchEnv = Env & { BENCH_SYNTHETIC_IMPORT?: string };

export default {
  async fetch(request, env: BenchEnv, ctx) {
    const url = new URL(request.url);
    if (url.pathname !== "/__bench/dump-read") return worker.fetch(request, env, ctx);
    if (env.BENCH_SYNTHETIC_IMPORT !== "on") return new Response("not enabled", { status: 404 });
    const body = await openSuppressionDump(
      env,
      request.headers.get("X-Bench-Token") ?? "",
      url.searchParams.get("stream") ?? "",
    );
    let seen = 0;
    let rows = 0;
    const now = utcNow();
    const row = (entry: unknown) => toRow(entry, now);
    if (url.searchParams.get("whole") === "1") {
      const { Suppressions } = JSON.parse(await new Response(body).text()) as { Suppressions: unknown[] };
      return Response.json({
        seen: Suppressions.length,
        rows: Suppressions.map(row).filter((r) => r !== null).length,
      });
    }
    for await (const entries of dumpEntries(body, 1000)) {
      seen += entries.length;
      rows += entries.map(row).filter((row) => row !== null).length;
    }
    return Response.json({ seen, rows });
  },
} satisfies ExportedHandler<BenchEnv>;
