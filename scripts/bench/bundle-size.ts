// Bench 4: the gzip size of what `wrangler deploy --dry-run` would upload.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { type RunDirectory, wrangler } from "./local-worker.ts";
import type { Row, Target } from "./report.ts";

const LIMIT_KIB = 80; // issue 11's budget

/** `wrangler deploy --dry-run` of `entry` (wrangler.toml's main when omitted): its files and their sizes. */
function dryRun(run: RunDirectory, name: string, entry?: string) {
  const outdir = path.join(run.dir, name);
  wrangler(["deploy", "--dry-run", "--outdir", outdir, ...(entry ? [entry] : [])], { logFile: run.logFile });
  const files = readdirSync(outdir).filter((f) => /\.(js|mjs|wasm)$/.test(f));
  const raw = files.reduce((n, f) => n + statSync(path.join(outdir, f)).size, 0);
  const gzip = files.reduce((n, f) => n + gzipSync(readFileSync(path.join(outdir, f)), { level: 9 }).length, 0);
  return { files, raw, gzip };
}

export function bundleSize(run: RunDirectory): { rows: Row[]; targets: Target[] } {
  const { files, raw, gzip } = dryRun(run, "dist");
  const kib = gzip / 1024;
  const client = dryRun(run, "postmark-client", "scripts/bench/worker/postmark-client-only.ts");
  return {
    rows: [
      {
        section: "bundle",
        measure: `wrangler deploy --dry-run (${files.join(", ")})`,
        value: `${kib.toFixed(1)} KiB gzip`,
        baseline: `${(raw / 1024).toFixed(1)} KiB raw`,
      },
      {
        section: "bundle",
        measure: "of which the Postmark API client (a Worker with only src/postmark/api/client.ts)",
        value: `${(client.gzip / 1024).toFixed(1)} KiB gzip`,
        baseline: "official postmark 5.1.0 client alone: 10.1 KiB gzip minified (measured once, not rebuilt)",
      },
    ],
    targets: [{ name: `bundle gzip <= ${LIMIT_KIB} KiB`, pass: kib <= LIMIT_KIB, detail: `${kib.toFixed(1)} KiB` }],
  };
}
