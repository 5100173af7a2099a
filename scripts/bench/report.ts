// The bench's table and its PASS/MISS lines; the same rows go to bench/results.json.

export interface Row {
  section: string;
  measure: string;
  value: string;
  /** The same-run baseline this figure is compared with, when there is one. */
  baseline?: string;
  ratio?: number;
}

export interface Target {
  name: string;
  pass: boolean;
  detail: string;
}

export function printTable(rows: Row[]) {
  const header = ["section", "measure", "value", "baseline", "ratio"];
  const cells = rows.map((r) => [
    r.section,
    r.measure,
    r.value,
    r.baseline ?? "",
    r.ratio === undefined ? "" : r.ratio.toFixed(2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => `| ${c.map((v, i) => v.padEnd(widths[i]!)).join(" | ")} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const c of cells) console.log(line(c));
}

export function printTargets(targets: Target[]) {
  for (const t of targets) console.log(`${t.pass ? "PASS" : "MISS"}  ${t.name}: ${t.detail}`);
}

export const ms = (value: number) => `${value.toFixed(value < 10 ? 2 : 1)} ms`;
export const perSecond = (value: number) => `${Math.round(value)} req/s`;
