// Reads Postmark's suppression dump ({"Suppressions":[{...},{...}]}, one JSON document) entry by entry as
// its bytes arrive, so an import holds one batch of entries at a time, not 100,000 of them (BENCHMARKS.md).
// Only the entries' boundaries are found here (strings, escapes and nesting followed character by
// character); each entry's text is then parsed by JSON.parse. A general streaming JSON parser would build
// every value token by token in JavaScript, several times slower for the same result.
//
// The dump comes from a server the tenant names by its token, so it is read as hostile: every character is
// looked at once (an unfinished entry is kept as pieces, joined once when it ends), an entry may be at most
// MAX_ENTRY_CHARS long, and the text around the Suppressions array at most MAX_OUTSIDE_CHARS. That text is
// kept (with the array emptied) and parsed once at the end, so the document as a whole must be one JSON
// object (no second object, nothing after it; keys are read as JSON reads them, escapes included).

const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/** One entry of a real dump is about 150 characters; anything near this is not Postmark's. */
export const MAX_ENTRY_CHARS = 4096;
/** Postmark's dump has nothing around the array; this leaves room for a few more keys. */
const MAX_OUTSIDE_CHARS = 64 * 1024;

export class DumpFormatError extends Error {}

/**
 * The entries of the top-level "Suppressions" array, in batches of at most `batchSize`, as parsed JSON (an
 * entry that is an array is passed on as it is, for the caller to skip). Throws DumpFormatError for text that
 * is not one JSON object, for an entry over MAX_ENTRY_CHARS and for a document with more than one
 * "Suppressions" array.
 */
export async function* dumpEntries(
  body: ReadableStream<Uint8Array>,
  batchSize: number,
): AsyncGenerator<unknown[], void, undefined> {
  const decoder = new TextDecoder();
  let depth = 0;
  let started = false;
  let ended = false;
  let inString = false;
  let escaped = false;
  /** The text outside the Suppressions array (the array kept as `[]`), parsed at the end. */
  let outside = "";
  /** Where the not yet kept part of `outside` starts in the current chunk; -1 inside the array. */
  let outsideFrom = 0;
  /** Where the current top-level string starts in `outside` (with what is kept so far). */
  let keyStart = -1;
  let lastKey: string | null = null;
  let sawSuppressions = false;
  /** Inside the Suppressions array: whether an entry (true) or a comma/the start (false) came last. */
  let inSuppressions = false;
  let afterEntry = false;
  let listEmpty = true;
  /** The current entry: its pieces from earlier chunks, and where it starts in this one (-1: none open). */
  let entryPieces: string[] = [];
  let entryLength = 0;
  let entryStart = -1;
  let batch: unknown[] = [];

  const keepOutside = (text: string, end: number) => {
    outside += text.slice(outsideFrom, end);
    outsideFrom = end;
    if (outside.length > MAX_OUTSIDE_CHARS) throw new DumpFormatError("the dump has more than its list");
  };

  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    const text = decoder.decode(chunk, { stream: true });
    outsideFrom = inSuppressions ? -1 : 0;
    if (entryStart >= 0) entryStart = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (inString) {
        if (escaped) escaped = false;
        else if (c === BACKSLASH) escaped = true;
        else if (c === QUOTE) {
          inString = false;
          if (depth === 1) {
            keepOutside(text, i + 1);
            lastKey = readKey(outside.slice(keyStart));
          }
        }
        continue;
      }
      if (ended || !started) {
        if (isSpace(c)) continue;
        if (ended) throw new DumpFormatError("the dump has text after its JSON object");
        if (c !== OPEN_OBJECT) throw new DumpFormatError("the dump is not a JSON object");
        started = true;
        depth = 1;
        continue;
      }
      if (inSuppressions && depth === 2) {
        // Between the array's entries: only entries (objects or arrays), commas and the closing bracket.
        if (isSpace(c)) continue;
        if (c === COMMA && afterEntry) afterEntry = false;
        else if ((c === OPEN_OBJECT || c === OPEN_ARRAY) && !afterEntry) {
          depth++;
          entryStart = i;
        } else if (c === CLOSE_ARRAY && (afterEntry || listEmpty)) {
          depth--;
          inSuppressions = false;
          outsideFrom = i;
        } else throw new DumpFormatError("the dump's list is not valid JSON");
        continue;
      }
      if (c === QUOTE) {
        inString = true;
        if (depth === 1) keyStart = outside.length + (i - outsideFrom);
      } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        if (depth === 1 && c === OPEN_ARRAY && lastKey === "Suppressions") {
          if (sawSuppressions) throw new DumpFormatError("the dump has more than one Suppressions list");
          sawSuppressions = inSuppressions = true;
          afterEntry = false;
          keepOutside(text, i + 1);
          outsideFrom = -1;
        }
        depth++;
      } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
        depth--;
        if (depth === 0) ended = true;
        else if (depth === 2 && inSuppressions) {
          const entry = entryPieces.join("") + text.slice(entryStart, i + 1);
          if (entry.length > MAX_ENTRY_CHARS) throw entryTooLarge();
          batch.push(parseEntry(entry));
          entryPieces = [];
          entryLength = 0;
          entryStart = -1;
          afterEntry = true;
          listEmpty = false;
          if (batch.length >= batchSize) {
            yield batch;
            batch = [];
          }
        }
      }
    }
    if (entryStart >= 0) {
      const piece = text.slice(entryStart);
      entryLength += piece.length;
      if (entryLength > MAX_ENTRY_CHARS) throw entryTooLarge();
      entryPieces.push(piece);
    }
    if (outsideFrom >= 0) keepOutside(text, text.length);
  }
  if (!ended || inString) throw new DumpFormatError("the dump ended before its end");
  try {
    JSON.parse(outside);
  } catch {
    throw new DumpFormatError("the dump is not valid JSON");
  }
  if (batch.length > 0) yield batch;
}

const entryTooLarge = () => new DumpFormatError(`an entry of the dump is longer than ${MAX_ENTRY_CHARS} characters`);

/** A top-level string (a key, or a value) as JSON reads it, from its text with the quotes. */
function readKey(literal: string): string | null {
  try {
    return JSON.parse(literal) as string;
  } catch {
    throw new DumpFormatError("the dump is not valid JSON");
  }
}

function parseEntry(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new DumpFormatError("an entry of the dump is not valid JSON");
  }
}
