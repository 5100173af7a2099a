// The suppression list as CSV, streamed page by page so a million rows never sit in memory.
import type { ListPosition, Suppression } from "../db/suppressions";

const HEADER = "email,stream,reason,origin,suppressed_at,bounce_type";

/** One CSV field: quoted when needed (also for a ";", which some spreadsheets split on), and defused when a spreadsheet would run it as a formula. */
export function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",;\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

const csvRow = (s: Suppression) =>
  [s.email, s.stream, s.reason, s.origin, s.suppressedAt, s.bounceType ?? ""].map(csvField).join(",");

/** A stream that fetches the next page only when the client has read the previous one. */
export function suppressionsCsv(
  page: (after: ListPosition | null) => Promise<Suppression[]>,
  pageSize: number,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let after: ListPosition | null = null;
  let started = false;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!started) {
          started = true;
          controller.enqueue(encoder.encode(`${HEADER}\r\n`));
        }
        const rows = await page(after);
        if (rows.length > 0) controller.enqueue(encoder.encode(rows.map((r) => `${csvRow(r)}\r\n`).join("")));
        const last = rows[rows.length - 1];
        if (!last || rows.length < pageSize) controller.close();
        else after = [last.email, last.stream];
      },
    },
    { highWaterMark: 0 },
  );
}
