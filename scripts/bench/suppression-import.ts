// Import from Postmark (POST /v1/suppressions/import) of 10,000 and 100,000 suppressions from the local
// Postmark stand-in's dump, end to end (the Worker reads the dump over HTTP and merges it into local D1),
// with the workerd processes' memory sampled while it runs: the import holds 1000 entries at a time, so
// its memory must not grow with the dump's size.

import type { StandInSuppression } from "../lib/postmark-api/model.ts";
import { startPostmarkApi } from "../lib/postmark-api/server.ts";
import { type LoopbackClient, loopbackClient } from "./http-load.ts";
import { type RunDirectory, startWorker } from "./local-worker.ts";
import type { Row, Target } from "./report.ts";
import { watchingMemory } from "./suppression-lookups.ts";
import { apiRequest, createBenchTenant } from "./tenant.ts";

/** Dump sizes, each in its own stream of one tenant; the target is about the largest. */
export const IMPORT_SIZES = [10_000, 100_000] as const;
const TARGET_SECONDS = 15;

const REASONS: StandInSuppression["SuppressionReason"][] = ["HardBounce", "SpamComplaint", "ManualSuppression"];

export interface ImportFigures {
  size: number;
  dumpMiB: number;
  first: Awaited<ReturnType<typeof watchingMemory>> & { added: number };
  /** A second import of the same dump: every address already suppressed. */
  again: Awaited<ReturnType<typeof watchingMemory>> & { alreadySuppressed: number };
  /**
   * The baseline for memory: as many new rows written through POST /v1/suppressions, 1000 a request, by a
   * tenant without Postmark settings (nothing pushed). The local D1 simulator shares the workerd process and
   * grows with the rows written; this shows how much, with no dump involved.
   */
  baseline: Awaited<ReturnType<typeof watchingMemory>>;
  /** The import's reader alone (dump over HTTP, entries, mapping), no D1: its own memory. */
  readerOnly: Awaited<ReturnType<typeof watchingMemory>>;
  /** For comparison: the whole dump read and parsed as one document, no D1. */
  wholeDocument: Awaited<ReturnType<typeof watchingMemory>>;
}

async function importOnce(client: LoopbackClient, token: string, stream: string) {
  const res = await client.send(apiRequest({ token } as never, "POST", "/v1/suppressions/import", { stream }));
  if (res.status !== 200) throw new Error(`import answered ${res.status}: ${res.body}`);
  return JSON.parse(res.body) as { seen: number; added: number; alreadySuppressed: number };
}

/** The reader alone, in the bench-only entry point, for each size (second of two passes: the first warms up). */
async function readerOnly(run: RunDirectory, postmarkUrl: string, token: string, log: (m: string) => void) {
  const worker = await startWorker({
    run,
    entry: "scripts/bench/worker/synthetic-import-worker.ts",
    vars: { POSTMARK_API_URL: postmarkUrl, BENCH_SYNTHETIC_IMPORT: "on" },
  });
  try {
    const read = (size: number, whole = false) =>
      watchingMemory(worker, async () => {
        const res = await fetch(`${worker.base}/__bench/dump-read?stream=import-${size}${whole ? "&whole=1" : ""}`, {
          headers: { "X-Bench-Token": token },
        });
        if (res.status !== 200) throw new Error(`dump read answered ${res.status}: ${await res.text()}`);
        return { rows: ((await res.json()) as { rows: number }).rows, largestChunk: 0 };
      });
    const results = new Map<
      number,
      { streamed: Awaited<ReturnType<typeof watchingMemory>>; whole: Awaited<ReturnType<typeof watchingMemory>> }
    >();
    for (const size of IMPORT_SIZES) {
      log(`reading the ${size} dump alone, no D1 ...`);
      await read(size);
      results.set(size, { streamed: await read(size), whole: null as never });
    }
    // Last: parsing whole documents leaves the most behind.
    for (const size of IMPORT_SIZES) {
      log(`reading the ${size} dump as one document, no D1 ...`);
      results.get(size)!.whole = await read(size, true);
    }
    return results;
  } finally {
    await worker.stop();
  }
}

export async function benchImport(run: RunDirectory, log: (m: string) => void): Promise<ImportFigures[]> {
  const postmark = await startPostmarkApi({ applyDelayMs: Number.POSITIVE_INFINITY });
  const streams = IMPORT_SIZES.map((size) => ({
    ID: `import-${size}`,
    Name: `Import ${size}`,
    MessageStreamType: "Transactional" as const,
  }));
  const server = postmark.addServer({ name: "Bench import", streams });
  // Seeded in process: 100,000 control calls would measure the stand-in, not the import.
  for (const size of IMPORT_SIZES) {
    const list = new Map<string, StandInSuppression>();
    for (let i = 0; i < size; i++) {
      const email = `imported${i}@fixture${i % 1000}.example`;
      list.set(email, {
        EmailAddress: email,
        SuppressionReason: REASONS[i % REASONS.length]!,
        Origin: i % 2 === 0 ? "Recipient" : "Customer",
        CreatedAt: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
      });
    }
    server.suppressions.set(`import-${size}`, list);
  }
  const worker = await startWorker({ run, vars: { POSTMARK_API_URL: postmark.url } });
  const client = loopbackClient(worker.base);
  try {
    const tenant = await createBenchTenant(client, run.secrets.ADMIN_TOKEN, "Bench import");
    const saved = await client.send(
      apiRequest(tenant, "PUT", "/v1/email/settings", {
        provider: "postmark",
        fromEmail: "bench@example.com",
        apiKey: server.token,
        messageStream: `import-${IMPORT_SIZES[0]}`,
      }),
    );
    if (saved.status !== 200) throw new Error(`saving settings answered ${saved.status}: ${saved.body}`);
    const unconnected = await createBenchTenant(client, run.secrets.ADMIN_TOKEN, "Bench import baseline");
    const figures: ImportFigures[] = [];
    for (const size of IMPORT_SIZES) {
      log(`baseline: ${size} suppressions added by hand, 1000 a request ...`);
      const baseline = await watchingMemory(worker, async () => {
        for (let from = 0; from < size; from += 1000) {
          const emails = Array.from({ length: 1000 }, (_, i) => `by-hand${size}-${from + i}@fixture${i}.example`);
          const res = await client.send(apiRequest(unconnected, "POST", "/v1/suppressions", { emails }));
          if (res.status !== 200) throw new Error(`adding by hand answered ${res.status}: ${res.body}`);
        }
        return { rows: size, largestChunk: 0 };
      });
      const dump = await fetch(`${postmark.url}/message-streams/import-${size}/suppressions/dump`, {
        headers: { "X-Postmark-Server-Token": server.token },
      });
      const dumpMiB = (await dump.arrayBuffer()).byteLength / 1024 / 1024;
      log(`import of ${size} suppressions (${dumpMiB.toFixed(1)} MiB dump) ...`);
      let added = 0;
      const first = await watchingMemory(worker, async () => {
        const result = await importOnce(client, tenant.token, `import-${size}`);
        added = result.added;
        return { rows: result.seen, largestChunk: 0 };
      });
      let alreadySuppressed = 0;
      const again = await watchingMemory(worker, async () => {
        const result = await importOnce(client, tenant.token, `import-${size}`);
        alreadySuppressed = result.alreadySuppressed;
        return { rows: result.seen, largestChunk: 0 };
      });
      figures.push({
        size,
        dumpMiB,
        first: { ...first, added },
        again: { ...again, alreadySuppressed },
        baseline,
        readerOnly: first, // both replaced below
        wholeDocument: first,
      });
    }
    client.close();
    await worker.stop();
    const reader = await readerOnly(run, postmark.url, server.token, log);
    return figures.map((f) => ({
      ...f,
      readerOnly: reader.get(f.size)!.streamed,
      wholeDocument: reader.get(f.size)!.whole,
    }));
  } finally {
    client.close();
    await worker.stop();
    await postmark.close();
  }
}

const growth = (m: { rssBeforeMiB: number; rssPeakMiB: number }) => m.rssPeakMiB - m.rssBeforeMiB;

export function importRows(figures: ImportFigures[]): Row[] {
  return figures.flatMap((f) => [
    {
      section: "import",
      measure: `import ${f.size} from the dump (${f.dumpMiB.toFixed(1)} MiB), end to end`,
      value: `${f.first.seconds.toFixed(2)} s, ${Math.round(f.size / f.first.seconds)} entries/s, added ${f.first.added}`,
    },
    {
      section: "import",
      measure: `import ${f.size}: workerd RSS before / peak / after`,
      value: `${f.first.rssBeforeMiB.toFixed(0)} / ${f.first.rssPeakMiB.toFixed(0)} / ${f.first.rssAfterMiB.toFixed(0)} MiB (+${growth(f.first).toFixed(0)})`,
      baseline: `+${growth(f.baseline).toFixed(0)} MiB adding ${f.size} by hand (${f.baseline.seconds.toFixed(1)} s)`,
    },
    {
      section: "import",
      measure: `reading the ${f.size} dump alone (no D1): workerd RSS before / peak / after`,
      value: `${f.readerOnly.rssBeforeMiB.toFixed(0)} / ${f.readerOnly.rssPeakMiB.toFixed(0)} / ${f.readerOnly.rssAfterMiB.toFixed(0)} MiB (+${growth(f.readerOnly).toFixed(0)})`,
      baseline: `${f.readerOnly.seconds.toFixed(2)} s, ${f.readerOnly.rows} entries`,
    },
    {
      section: "import",
      measure: `reading the ${f.size} dump as one document (not done; no D1): workerd RSS before / peak / after`,
      value: `${f.wholeDocument.rssBeforeMiB.toFixed(0)} / ${f.wholeDocument.rssPeakMiB.toFixed(0)} / ${f.wholeDocument.rssAfterMiB.toFixed(0)} MiB (+${growth(f.wholeDocument).toFixed(0)})`,
      baseline: `${f.wholeDocument.seconds.toFixed(2)} s, ${f.wholeDocument.rows} entries`,
    },
    {
      section: "import",
      measure: `import ${f.size} again (all already suppressed)`,
      value: `${f.again.seconds.toFixed(2)} s, peak +${growth(f.again).toFixed(0)} MiB`,
    },
  ]);
}

export function importTargets(figures: ImportFigures[]): Target[] {
  const largest = figures[figures.length - 1]!;
  const smallest = figures[0]!;
  return [
    {
      name: `import of ${largest.size} suppressions <= ${TARGET_SECONDS} s end to end`,
      pass: largest.first.seconds <= TARGET_SECONDS && largest.first.rows === largest.size,
      detail: `${largest.first.seconds.toFixed(2)} s for ${largest.first.rows} entries`,
    },
    {
      // Flat: the reader's own memory (no D1) must not grow with the dump as holding it does: ten times the
      // entries may add less than the dump's own size, the least that holding it whole would cost. End to
      // end, the process also grows with the rows the D1 simulator writes (the import vs as many rows added
      // by hand), and V8 collects the chunks' garbage lazily.
      name: `import's own memory flat: reading ${largest.size} vs ${smallest.size} entries (no D1) adds less than the dump's size`,
      pass:
        growth(largest.readerOnly) - growth(smallest.readerOnly) < largest.dumpMiB &&
        largest.readerOnly.rows === largest.size,
      detail: `+${growth(largest.readerOnly).toFixed(0)} MiB at ${largest.size}, +${growth(smallest.readerOnly).toFixed(0)} MiB at ${smallest.size} (dump ${largest.dumpMiB.toFixed(1)} MiB; as one document: +${growth(largest.wholeDocument).toFixed(0)} / +${growth(smallest.wholeDocument).toFixed(0)} MiB); end to end +${growth(largest.first).toFixed(0)} MiB import vs +${growth(largest.baseline).toFixed(0)} MiB adding as many by hand`,
    },
  ];
}
