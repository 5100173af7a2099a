// Bench 4: the gzip size of what `wrangler deploy --dry-run` would upload.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { type RunDirectory, wrangler } from "./local-worker.ts";
import type { Row, Target } from "./report.ts";

const LIMIT_KIB = 64;

export function bundleSize(run: RunDirectory): { rows: Row[]; targets: Target[] } {
  const outdir = path.join(run.dir, "dist");
  wrangler(["deploy", "--dry-run", "--outdir", outdir], { logFile: run.logFile });
  const files = readdirSync(outdir).filter((f) => /\.(js|mjs|wasm)$/.test(f));
  const raw = files.reduce((n, f) => n + statSync(path.join(outdir, f)).size, 0);
  const gzip = files.reduce((n, f) => n + gzipSync(readFileSync(path.join(outdir, f)), { level: 9 }).length, 0);
  const kib = gzip / 1024;
  return {
    rows: [
      {
        section: "bundle",
        measure: `wrangler deploy --dry-run (${files.join(", ")})`,
        value: `${kib.toFixed(1)} KiB gzip`,
        baseline: `${(raw / 1024).toFixed(1)} KiB raw`,
      },
    ],
    targets: [{ name: `bundle gzip <= ${LIMIT_KIB} KiB`, pass: kib <= LIMIT_KIB, detail: `${kib.toFixed(1)} KiB` }],
  };
}
