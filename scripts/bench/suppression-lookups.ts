// Benches 2 and 3: the suppression API at 10k, 100k and 1M rows (one tenant's list grown in place, in
// bulk), and the CSV export of the whole list with the Worker's memory sampled while it streams.
import { fixtureEmail, loadSuppressionFixture } from "./fixtures.ts";
import { type LoopbackClient, loopbackClient, median } from "./http-load.ts";
import { type RunDirectory, type RunningWorker, rssMiB, startWorker } from "./local-worker.ts";
import { hotQueryPlans, type QueryPlan } from "./query-plans.ts";
import { ms, type Row, type Target } from "./report.ts";
import { apiRequest, type BenchTenant } from "./tenant.ts";

const SIZES = [10_000, 100_000, 1_000_000];
/** Sizes whose CSV export is timed and watched: memory must not grow with the row count. */
const CSV_SIZES = [100_000, 1_000_000];

interface SizeFigures {
  rows: number;
  healthMs: number;
  checkMs: number;
  checkFound: number;
  lookupMs: number;
  listPageMs: number;
  reportMs: number;
  /** The second of two exports: the first also warms SQLite's page cache, which the second reuses. */
  csv?: CsvExport & { firstPass: CsvExport; listBaseline: CsvExport };
}

type CsvExport = Awaited<ReturnType<typeof watchingMemory>>;

/** Median time of `runs` sequential calls, after a few warm-ups. */
async function timed(
  client: LoopbackClient,
  request: () => Parameters<LoopbackClient["send"]>[0],
  runs = 31,
): Promise<{ ms: number; body: string }> {
  const times: number[] = [];
  let body = "";
  for (let i = 0; i < runs + 3; i++) {
    const res = await client.send(request());
    if (res.status !== 200) throw new Error(`${request().path} answered ${res.status}: ${res.body.slice(0, 200)}`);
    if (i >= 3) times.push(res.ms);
    body = res.body;
  }
  return { ms: median(times), body };
}

/** 1000 addresses to check: every other one on the list (of which 5% reactivated), the rest never seen. */
function checkBatch(rows: number, seed: number): string[] {
  return Array.from({ length: 1000 }, (_, i) =>
    i % 2 === 0
      ? fixtureEmail((((i * 7919 + seed) % 1000) * (rows / 1000) + i) % rows)
      : `absent${seed}-${i}@nowhere.example`,
  );
}

export async function totalRss(worker: RunningWorker): Promise<number> {
  return worker.workerdPids().reduce((sum, pid) => sum + (rssMiB(pid) ?? 0), 0);
}

/** Runs `work` while sampling the workerd processes' memory every 50 ms. */
export async function watchingMemory(
  worker: RunningWorker,
  work: () => Promise<{ rows: number; largestChunk: number }>,
) {
  const rssBeforeMiB = await totalRss(worker);
  let rssPeakMiB = rssBeforeMiB;
  const sampler = setInterval(() => {
    void totalRss(worker).then((rss) => (rssPeakMiB = Math.max(rssPeakMiB, rss)));
  }, 50);
  const started = performance.now();
  let done: { rows: number; largestChunk: number };
  try {
    done = await work();
  } finally {
    clearInterval(sampler);
  }
  const seconds = (performance.now() - started) / 1000;
  await new Promise((r) => setTimeout(r, 500));
  return {
    seconds,
    rows: done.rows,
    rssBeforeMiB,
    rssPeakMiB,
    rssAfterMiB: await totalRss(worker),
    largestChunkKiB: done.largestChunk / 1024,
  };
}

/** Streams the whole CSV, counting rows. */
function exportCsv(worker: RunningWorker, tenant: BenchTenant, path = "/v1/suppressions.csv") {
  return watchingMemory(worker, async () => {
    let rows = -1; // the header
    let largestChunk = 0;
    const res = await fetch(`${worker.base}${path}`, { headers: { Authorization: `Bearer ${tenant.token}` } });
    if (res.status !== 200 || !res.body) throw new Error(`CSV export answered ${res.status}`);
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      largestChunk = Math.max(largestChunk, chunk.length);
      for (const byte of chunk) if (byte === 10) rows += 1;
    }
    return { rows, largestChunk };
  });
}

/**
 * The baseline for the CSV's memory: the same rows read through the same D1 query, a page of 1000 per
 * request from the client (GET /v1/suppressions), so no stream is involved. Whatever memory this grows
 * belongs to the local D1 simulator (it shares the workerd process with the Worker), not to the export.
 */
function pageThroughList(worker: RunningWorker, tenant: BenchTenant) {
  return watchingMemory(worker, async () => {
    let rows = 0;
    let largestChunk = 0;
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
      const res = await fetch(`${worker.base}/v1/suppressions?limit=1000${query}`, {
        headers: { Authorization: `Bearer ${tenant.token}` },
      });
      if (res.status !== 200) throw new Error(`list answered ${res.status}`);
      const text = await res.text();
      largestChunk = Math.max(largestChunk, text.length);
      const page = JSON.parse(text) as { items: unknown[]; nextCursor: string | null };
      rows += page.items.length;
      cursor = page.nextCursor;
    } while (cursor);
    return { rows, largestChunk };
  });
}

export async function benchSuppressions(run: RunDirectory, tenant: BenchTenant, log: (m: string) => void) {
  const figures: SizeFigures[] = [];
  let loaded = 0;
  let plans: QueryPlan[] = [];
  for (const size of SIZES) {
    log(`loading suppression rows ${loaded} .. ${size} in bulk ...`);
    loadSuppressionFixture(run, tenant.id, loaded, size);
    loaded = size;
    const worker = await startWorker({ run });
    const client = loopbackClient(worker.base);
    try {
      log(`timing check, lookup, list page and report at ${size} rows ...`);
      const health = await timed(client, () => ({ method: "GET", path: "/health" }));
      let seed = 0;
      const check = await timed(client, () =>
        apiRequest(tenant, "POST", "/v1/suppressions/check", { emails: checkBatch(size, ++seed) }),
      );
      // Odd rows are never reactivated in the fixture, so the lookup finds one.
      const lookup = await timed(client, () =>
        apiRequest(tenant, "GET", `/v1/suppressions/${encodeURIComponent(fixtureEmail(((++seed * 37) % size) | 1))}`),
      );
      // A page deep in the list: the cursor of the address halfway through.
      const middle = Buffer.from(JSON.stringify([fixtureEmail(Math.floor(size / 2)), "outbound"])).toString(
        "base64url",
      );
      const listPage = await timed(client, () =>
        apiRequest(tenant, "GET", `/v1/suppressions?limit=50&cursor=${middle}`),
      );
      const report = await timed(client, () =>
        apiRequest(tenant, "GET", "/v1/reports/bounces?from=2026-01-01&to=2026-12-31"),
      );
      const sizeFigures: SizeFigures = {
        rows: size,
        healthMs: health.ms,
        checkMs: check.ms,
        checkFound: (JSON.parse(check.body) as { suppressed: unknown[] }).suppressed.length,
        lookupMs: lookup.ms,
        listPageMs: listPage.ms,
        reportMs: report.ms,
      };
      if (CSV_SIZES.includes(size)) {
        log(`CSV export of ${size} rows ...`);
        const firstPass = await exportCsv(worker, tenant);
        const listBaseline = await pageThroughList(worker, tenant);
        sizeFigures.csv = { ...(await exportCsv(worker, tenant)), firstPass, listBaseline };
      }
      figures.push(sizeFigures);
    } finally {
      client.close();
      await worker.stop();
    }
    if (size === SIZES[SIZES.length - 1]) plans = await hotQueryPlans(run, tenant.id, checkBatch(size, 1));
  }
  return { figures, plans };
}

/** Sizes of the synthetic export, and its result per size (the second of two passes). */
const SYNTHETIC_SIZES = [100_000, 1_000_000];
export type SyntheticCsv = { rows: number; export: CsvExport }[];

/**
 * The export's own memory: the same CSV stream fed made-up pages with no D1 behind it
 * (scripts/bench/worker/synthetic-csv-worker.ts), 100k and 1M rows, in one workerd process.
 */
export async function benchSyntheticCsv(
  run: RunDirectory,
  tenant: BenchTenant,
  log: (m: string) => void,
): Promise<SyntheticCsv> {
  const worker = await startWorker({
    run,
    entry: "scripts/bench/worker/synthetic-csv-worker.ts",
    vars: { BENCH_SYNTHETIC_CSV: "on" },
  });
  try {
    const results: SyntheticCsv = [];
    for (const size of SYNTHETIC_SIZES) {
      log(`CSV stream of ${size} made-up rows (no D1) ...`);
      await exportCsv(worker, tenant, `/__bench/suppressions.csv?rows=${size}`);
      results.push({ rows: size, export: await exportCsv(worker, tenant, `/__bench/suppressions.csv?rows=${size}`) });
    }
    return results;
  } finally {
    await worker.stop();
  }
}

export function syntheticCsvRows(results: SyntheticCsv): Row[] {
  return results.map(({ rows, export: e }) => ({
    section: "csv",
    measure: `${rows.toLocaleString("en")} made-up rows, no D1: workerd RSS before / peak / after`,
    value: `${e.rssBeforeMiB.toFixed(0)} / ${e.rssPeakMiB.toFixed(0)} / ${e.rssAfterMiB.toFixed(0)} MiB`,
    baseline: `${e.seconds.toFixed(1)} s, largest chunk ${e.largestChunkKiB.toFixed(0)} KiB`,
  }));
}

export function syntheticCsvTargets(results: SyntheticCsv): Target[] {
  const [small, large] = results;
  if (!small || !large) return [];
  const growth = (e: CsvExport) => e.rssPeakMiB - e.rssBeforeMiB;
  return [
    {
      name: "CSV stream's own memory flat (1M vs 100k made-up rows, no D1)",
      pass: growth(large.export) <= growth(small.export) + 32 && large.export.rows === large.rows,
      detail: `+${growth(large.export).toFixed(0)} MiB at 1M, +${growth(small.export).toFixed(0)} MiB at 100k`,
    },
  ];
}

export function suppressionRows(figures: SizeFigures[]): Row[] {
  const rows: Row[] = [];
  const small = figures[0]!;
  for (const f of figures) {
    const n = f.rows.toLocaleString("en");
    rows.push({
      section: "lookups",
      measure: `${n} rows: check 1000 addresses (${f.checkFound} found)`,
      value: ms(f.checkMs),
      baseline:
        f === small ? `${ms(f.healthMs)} /health` : `${ms(small.checkMs)} at ${small.rows.toLocaleString("en")}`,
      ratio: f === small ? undefined : f.checkMs / small.checkMs,
    });
    rows.push({
      section: "lookups",
      measure: `${n} rows: lookup / list page / report`,
      value: `${ms(f.lookupMs)} / ${ms(f.listPageMs)} / ${ms(f.reportMs)}`,
      baseline: `${ms(f.healthMs)} /health`,
    });
    if (f.csv) {
      rows.push({
        section: "csv",
        measure: `${n} rows: export time (${f.csv.rows.toLocaleString("en")} rows)`,
        value: `${f.csv.seconds.toFixed(1)} s`,
        baseline: `${Math.round(f.csv.rows / f.csv.seconds).toLocaleString("en")} rows/s`,
      });
      const first = f.csv.firstPass;
      rows.push({
        section: "csv",
        measure: `${n} rows: workerd RSS before / peak / after, 1st export`,
        value: `${first.rssBeforeMiB.toFixed(0)} / ${first.rssPeakMiB.toFixed(0)} / ${first.rssAfterMiB.toFixed(0)} MiB`,
        baseline: `largest chunk ${first.largestChunkKiB.toFixed(0)} KiB`,
      });
      const list = f.csv.listBaseline;
      rows.push({
        section: "csv",
        measure: `${n} rows: workerd RSS before / peak / after, same rows paged through GET /v1/suppressions`,
        value: `${list.rssBeforeMiB.toFixed(0)} / ${list.rssPeakMiB.toFixed(0)} / ${list.rssAfterMiB.toFixed(0)} MiB`,
        baseline: `${list.seconds.toFixed(1)} s, ${list.rows.toLocaleString("en")} rows`,
      });
      rows.push({
        section: "csv",
        measure: `${n} rows: workerd RSS before / peak / after, 2nd export`,
        value: `${f.csv.rssBeforeMiB.toFixed(0)} / ${f.csv.rssPeakMiB.toFixed(0)} / ${f.csv.rssAfterMiB.toFixed(0)} MiB`,
        baseline: `largest chunk ${f.csv.largestChunkKiB.toFixed(0)} KiB`,
      });
    }
  }
  return rows;
}

/** Rows the fixture leaves suppressed (every 20th is reactivated), i.e. what the CSV holds. */
const suppressedIn = (rows: number) => rows - rows / 20;

export function suppressionTargets(figures: SizeFigures[]): Target[] {
  const small = figures.find((f) => f.rows === 10_000);
  const large = figures.find((f) => f.rows === 1_000_000);
  const targets: Target[] = [];
  if (small && large) {
    const ratio = large.checkMs / small.checkMs;
    targets.push({ name: "check 1000 at 1M / at 10k <= 1.5", pass: ratio <= 1.5, detail: ratio.toFixed(2) });
    targets.push({ name: "check 1000 at 1M < 20 ms", pass: large.checkMs < 20, detail: ms(large.checkMs) });
  }
  const csvs = figures.filter((f) => f.csv);
  if (csvs.length === 2) {
    const [a, b] = csvs.map((f) => f.csv!) as [NonNullable<SizeFigures["csv"]>, NonNullable<SizeFigures["csv"]>];
    const growthA = a.rssPeakMiB - a.rssBeforeMiB;
    const growthB = b.rssPeakMiB - b.rssBeforeMiB;
    // Flat: exporting ten times the rows may not take noticeably more memory (32 MiB of noise allowed).
    // Measured on the 2nd export, once SQLite's page cache holds the table (which the 1st export grows).
    targets.push({
      name: "CSV memory flat (2nd export's peak growth, 1M vs 100k)",
      pass: growthB <= growthA + 32 && b.rows === suppressedIn(1_000_000),
      detail: `+${growthB.toFixed(0)} MiB at 1M, +${growthA.toFixed(0)} MiB at 100k; ${b.rows.toLocaleString("en")} rows streamed`,
    });
    // The process also hosts the local D1 simulator: the export may grow it no more than reading the
    // same rows page by page without any stream does (32 MiB of noise allowed).
    const listGrowth = b.listBaseline.rssPeakMiB - b.listBaseline.rssBeforeMiB;
    targets.push({
      name: "CSV export grows memory no more than paging the same 1M rows through the list API",
      pass: growthB <= listGrowth + 32,
      detail: `+${growthB.toFixed(0)} MiB export, +${listGrowth.toFixed(0)} MiB list paging`,
    });
  }
  return targets;
}

export function printPlans(plans: QueryPlan[]) {
  console.log("\nEXPLAIN QUERY PLAN at 1,000,000 rows:");
  for (const p of plans) console.log(`  ${p.query}\n    ${p.plan.join("\n    ")}`);
}
