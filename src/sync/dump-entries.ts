// Reads Postmark's suppression dump ({"Suppressions":[{...},{...}]}, one JSON document) entry by entry as
// its bytes arrive, so an import holds one batch of entries at a time, not 100,000 of them (BENCHMARKS.md).
// Only the entries' boundaries are found here (strings, escapes and nesting followed character by
// character); each entry's text is then parsed by JSON.parse. A general streaming JSON parser would build
// every value token by token in JavaScript, several times slower for the same result.

const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

export class DumpFormatError extends Error {}

/**
 * The entries of the top-level "Suppressions" array, in batches of at most `batchSize`, as objects (an
 * entry that is not an object is passed on as it is, for the caller to skip). Throws DumpFormatError for
 * text that is not a JSON object.
 */
export async function* dumpEntries(
  body: ReadableStream<Uint8Array>,
  batchSize: number,
): AsyncGenerator<unknown[], void, undefined> {
  const decoder = new TextDecoder();
  let depth = 0;
  let inString = false;
  let escaped = false;
  /** Start of the current string (in `text`), and the last string closed at depth 1: a top-level key. */
  let stringStart = -1;
  let lastTopLevelString: string | null = null;
  let inSuppressions = false;
  /** Text carried over from the previous chunk: the unfinished entry. */
  let carry = "";
  let entryStart = -1;
  let batch: unknown[] = [];

  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    const text = carry + decoder.decode(chunk, { stream: true });
    // Positions are in `text`; an unfinished entry (or top-level string) is carried into the next chunk.
    let i = carry.length;
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (inString) {
        if (escaped) escaped = false;
        else if (c === BACKSLASH) escaped = true;
        else if (c === QUOTE) {
          inString = false;
          if (depth === 1) lastTopLevelString = text.slice(stringStart + 1, i);
        }
        continue;
      }
      if (c === QUOTE) {
        inString = true;
        stringStart = i;
      } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        if (depth === 0 && c !== OPEN_OBJECT) throw new DumpFormatError("the dump is not a JSON object");
        if (depth === 1 && c === OPEN_ARRAY) inSuppressions = lastTopLevelString === "Suppressions";
        depth++;
        if (depth === 3 && inSuppressions) entryStart = i;
      } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
        depth--;
        if (depth < 0) throw new DumpFormatError("the dump is not valid JSON");
        if (depth === 2 && inSuppressions && entryStart >= 0) {
          batch.push(parseEntry(text.slice(entryStart, i + 1)));
          entryStart = -1;
          if (batch.length >= batchSize) {
            yield batch;
            batch = [];
          }
        }
        if (depth === 1 && c === CLOSE_ARRAY) inSuppressions = false;
      }
    }
    // Keep only what is still needed: the open entry, or the open top-level string (a key).
    if (entryStart >= 0) {
      carry = text.slice(entryStart);
      entryStart = 0;
    } else if (inString && depth === 1) {
      carry = text.slice(stringStart);
      stringStart = 0;
    } else {
      carry = "";
    }
  }
  if (depth !== 0 || inString) throw new DumpFormatError("the dump ended before its end");
  if (batch.length > 0) yield batch;
}

function parseEntry(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new DumpFormatError("an entry of the dump is not valid JSON");
  }
}
