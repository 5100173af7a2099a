// Text from elsewhere (a request, Postmark, an SMTP server) made fit to show and to store.

/**
 * What a one-line text shown to people must not hold: control characters (C0, DEL, C1), Unicode line and
 * paragraph separators, bidirectional overrides and isolates (which reorder what is displayed) and lone
 * surrogates (not text at all: they come back as U+FFFD).
 */
export const UNSAFE_IN_TEXT = /[\p{Cc}\u2028\u2029\u202A-\u202E\u2066-\u2069]|\p{Cs}/u;
const UNSAFE_IN_TEXT_ALL = new RegExp(UNSAFE_IN_TEXT.source, "gu");

/** A secret's runs at least this long are taken out of a text; a shorter one tells too little to matter. */
export const MIN_SECRET_RUN = 8;

/**
 * `text` with every run of at least MIN_SECRET_RUN characters of `secret` (compared case-insensitively, so a
 * peer that repeats the secret upper-cased, or all but its last character, still gives nothing away)
 * replaced by "[redacted]". Longest common substrings, in O(text × secret): for short texts only.
 */
export function redactSecret(text: string, secret: string): string {
  if (secret.length < MIN_SECRET_RUN || text.length < MIN_SECRET_RUN) return text;
  const t = text.toLowerCase();
  const s = secret.toLowerCase();
  // run[j]: length of the common run ending at t[i] and s[j] (rolling over i).
  let run = new Array<number>(s.length).fill(0);
  const hidden = new Array<boolean>(t.length).fill(false);
  for (let i = 0; i < t.length; i++) {
    const next = new Array<number>(s.length).fill(0);
    let longest = 0;
    for (let j = 0; j < s.length; j++) {
      if (t[i] === s[j]) {
        next[j] = (j > 0 ? run[j - 1]! : 0) + 1;
        if (next[j]! > longest) longest = next[j]!;
      }
    }
    if (longest >= MIN_SECRET_RUN) hidden.fill(true, i - longest + 1, i + 1);
    run = next;
  }
  let out = "";
  for (let i = 0; i < text.length; i++) {
    if (!hidden[i]) out += text[i];
    else if (i === 0 || !hidden[i - 1]) out += "[redacted]";
  }
  return out;
}

/**
 * A peer's free text (a name, a message) as this service shows and stores it: one line of printable text,
 * at most `max` characters, with `secrets` redacted. Anything that is not a string becomes "".
 */
export function peerText(value: unknown, max: number, secrets: readonly string[] = []): string {
  if (typeof value !== "string") return "";
  let text = value.replace(UNSAFE_IN_TEXT_ALL, " ").replace(/\s+/g, " ").trim();
  if (text.length > max) text = `${text.slice(0, max - 3)}...`;
  for (const secret of secrets) text = redactSecret(text, secret);
  return text;
}
