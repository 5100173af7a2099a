// Reading Postmark's suppression dump entry by entry, whatever the chunks it arrives in.
import { describe, expect, it } from "vitest";
import { DumpFormatError, dumpEntries, MAX_ENTRY_CHARS } from "../src/sync/dump-entries";

/** `text` as a byte stream cut into pieces of `size` bytes (so cuts fall inside strings and escapes). */
function chunked(text: string, size: number): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + size));
      offset += size;
    },
  });
}

async function read(text: string, size: number, batchSize = 2) {
  const batches: unknown[][] = [];
  for await (const batch of dumpEntries(chunked(text, size), batchSize)) batches.push(batch);
  return batches;
}

describe("dumpEntries", () => {
  const entries = [
    { EmailAddress: "a@example.com", SuppressionReason: "HardBounce", Origin: "Recipient", CreatedAt: "2026-01-01" },
    { EmailAddress: 'quote"brace}@example.com', SuppressionReason: "ManualSuppression", Origin: "Customer" },
    { EmailAddress: "ünï\\côde{[@example.com", Nested: { deep: [1, { x: "]}" }] } },
  ];
  const dump = JSON.stringify({ Other: [{ not: "an entry" }], Suppressions: entries, Suppressions2: [{ no: 1 }] });

  it("yields the Suppressions entries in batches, for every way of cutting the bytes", async () => {
    for (const size of [1, 2, 3, 7, 64, 10_000]) {
      expect(await read(dump, size), `chunks of ${size}`).toEqual([entries.slice(0, 2), entries.slice(2)]);
    }
  });

  it("yields nothing for an empty list, and refuses what is not a JSON object", async () => {
    expect(await read('{"Suppressions":[]}', 3)).toEqual([]);
    await expect(read('[{"Suppressions":[]}]', 3)).rejects.toThrow(DumpFormatError);
    await expect(read('{"Suppressions":[{"EmailAddress":"a@', 3)).rejects.toThrow(DumpFormatError);
    await expect(read('{"Suppressions":[{"EmailAddress":nope}]}', 3)).rejects.toThrow(DumpFormatError);
  });

  it("reads a key as JSON does, escapes included", async () => {
    const escaped = '{"Suppre\\u0073sions":[{"EmailAddress":"a@example.com"}]}';
    for (const size of [1, 5, 100]) {
      expect(await read(escaped, size), `chunks of ${size}`).toEqual([[{ EmailAddress: "a@example.com" }]]);
    }
  });

  it("refuses text that is not exactly one JSON object", async () => {
    const cases = [
      '{"Suppressions":[]}{"Suppressions":[{"EmailAddress":"b@example.com"}]}',
      '{"Suppressions":[{"EmailAddress":"a@example.com"}]} garbage',
      '{"Suppressions":[{"EmailAddress":"a@example.com"}]]}',
      '{"Suppressions":[{"EmailAddress":"a@example.com"},]}',
      '{"Suppressions":[{"EmailAddress":"a@example.com"} {"EmailAddress":"b@example.com"}]}',
      '{"Suppressions":["a@example.com"]}',
      '{"Suppressions" [{"EmailAddress":"a@example.com"}]}',
      '{"Suppressions":[{"EmailAddress":"a@example.com"}],"Suppressions":[{"EmailAddress":"b@example.com"}]}',
    ];
    for (const text of cases) {
      for (const size of [1, 7, 1000]) {
        await expect(read(text, size), `${text} in chunks of ${size}`).rejects.toThrow(DumpFormatError);
      }
    }
  });

  it("refuses an entry longer than a few KB, and a huge value beside the list, without reading on", async () => {
    const long = `{"Suppressions":[{"EmailAddress":"${"x".repeat(MAX_ENTRY_CHARS)}@example.com"}]}`;
    await expect(read(long, 64)).rejects.toThrow(/longer than 4096 characters/);
    await expect(read(long, long.length)).rejects.toThrow(/longer than 4096 characters/);
    await expect(read(`{"Note":"${"y".repeat(100_000)}","Suppressions":[]}`, 1000)).rejects.toThrow(DumpFormatError);
    // An entry just within the bound is read.
    const fits = { EmailAddress: `${"z".repeat(MAX_ENTRY_CHARS - 40)}@example.com` };
    expect(await read(JSON.stringify({ Suppressions: [fits] }), 100)).toEqual([[fits]]);
  });
});
