// The Worker as `npm run bench` runs it for the CSV memory check: src/index.ts plus one route,
// GET /__bench/suppressions.csv?rows=N, that streams N made-up suppressions through the very stream
// GET /v1/suppressions.csv uses (src/http/suppressions-csv.ts), with no D1 behind it. The local D1 simulator
// shares the workerd process with the Worker, so this is how the export's own memory is seen apart from it.
// Not what wrangler.toml deploys (that is src/index.ts), and it refuses the route unless
// BENCH_SYNTHETIC_CSV=on, which only the bench passes on the wrangler dev command line.
import type { ListPosition, Suppression } from "../../../src/db/suppressions";
import { suppressionsCsv } from "../../../src/http/suppressions-csv";
import worker from "../../../src/index";

type BenchEnv = Env & { BENCH_SYNTHETIC_CSV?: string };

const PAGE_SIZE = 1000; // what the real export reads per D1 query
const emailAt = (i: number) => `synthetic${String(i).padStart(9, "0")}@bench.example`;

function syntheticPage(total: number) {
  return async (after: ListPosition | null): Promise<Suppression[]> => {
    const start = after ? Number(after[0].slice("synthetic".length, "synthetic".length + 9)) + 1 : 0;
    const rows: Suppression[] = [];
    for (let i = start; i < Math.min(total, start + PAGE_SIZE); i++) {
      rows.push({
        email: emailAt(i),
        stream: "outbound",
        reason: "hard_bounce",
        origin: "postmark",
        suppressedAt: "2026-11-26T10:00:00.000Z",
        bounceType: "HardBounce",
        canReactivate: true,
      });
    }
    return rows;
  };
}

export default {
  async fetch(request, env: BenchEnv, ctx) {
    const url = new URL(request.url);
    if (url.pathname !== "/__bench/suppressions.csv") return worker.fetch(request, env, ctx);
    if (env.BENCH_SYNTHETIC_CSV !== "on") return new Response("not enabled", { status: 404 });
    const rows = Number(url.searchParams.get("rows") ?? "0");
    return new Response(suppressionsCsv(syntheticPage(rows), PAGE_SIZE), {
      headers: { "Content-Type": "text/csv; charset=utf-8" },
    });
  },
} satisfies ExportedHandler<BenchEnv>;
