// Distinct Postmark webhook events in a realistic mix, shaped like the published payloads, with what
// each one should do: so a run can compare the report and the suppression list with what it sent.

export type EventShape = "HardBounce" | "SoftBounce" | "Transient" | "DnsError" | "SpamComplaint" | "Unsubscribe";

/** Roughly what a sending platform's bounce webhook sees: mostly bounces, a few complaints and unsubscribes. */
const MIX: [EventShape, number][] = [
  ["HardBounce", 40],
  ["SoftBounce", 25],
  ["Transient", 12],
  ["DnsError", 8],
  ["SpamComplaint", 5],
  ["Unsubscribe", 10],
];

export interface SentEvent {
  body: string;
  shape: EventShape;
  /** Normalised address. */
  email: string;
  /** Whether it puts the address on the suppression list. */
  suppresses: boolean;
  /** Counted in the report's bounce total (not spam complaints, not subscription changes). */
  countsAsBounce: boolean;
  /** UTC day of the event. */
  day: string;
}

/** A small seeded PRNG (mulberry32), so a run can be repeated exactly. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

function pickShape(random: () => number): EventShape {
  let roll = random() * MIX.reduce((sum, [, weight]) => sum + weight, 0);
  for (const [shape, weight] of MIX) {
    roll -= weight;
    if (roll < 0) return shape;
  }
  return "HardBounce";
}

/**
 * `count` distinct events, each for its own address (so every expected outcome is independent of order).
 * `runTag` keeps IDs and addresses apart between runs against the same database.
 */
export function makeEvents(count: number, runTag: string, seed = 1): SentEvent[] {
  const random = seededRandom(seed);
  const events: SentEvent[] = [];
  const base = Date.UTC(2026, 2, 1);
  for (let i = 0; i < count; i++) {
    const shape = pickShape(random);
    const email = `${runTag}-${i}@bench${i % 97}.example`;
    // Bounce IDs above 2^53, as Postmark's are: sent as a bare JSON number, kept exact by the Worker.
    const id = `43${String(Math.floor(random() * 1e6)).padStart(6, "0")}${String(i).padStart(9, "0")}`;
    const at = new Date(base + Math.floor(random() * 28 * 86_400_000)).toISOString();
    const messageId = crypto.randomUUID();
    let body: string;
    if (shape === "Unsubscribe") {
      body =
        `{"RecordType":"SubscriptionChange","MessageID":"${messageId}","ServerID":23,"MessageStream":"outbound",` +
        `"ChangedAt":"${at}","Recipient":"${email}","Origin":"Recipient","SuppressSending":true,` +
        `"SuppressionReason":"ManualSuppression","Tag":"welcome","Metadata":{"run":"${runTag}"}}`;
    } else {
      const spam = shape === "SpamComplaint";
      body =
        `{"RecordType":"${spam ? "SpamComplaint" : "Bounce"}","MessageStream":"outbound","ID":${id},"Type":"${shape}",` +
        `"TypeCode":${spam ? 512 : 1},"Name":"${shape}","Tag":"bench","MessageID":"${messageId}","Metadata":{"run":"${runTag}"},` +
        `"ServerID":23,"Description":"The server was unable to deliver your message.","Details":"smtp;550 5.1.1 bench",` +
        `"Email":"${email}","From":"sender@example.com","BouncedAt":"${at}","DumpAvailable":false,` +
        `"Inactive":${shape === "HardBounce" || spam},"CanActivate":${!spam},"Subject":"Bench"}`;
    }
    events.push({
      body,
      shape,
      email,
      suppresses: shape === "HardBounce" || shape === "SpamComplaint" || shape === "Unsubscribe",
      countsAsBounce: shape !== "SpamComplaint" && shape !== "Unsubscribe",
      day: at.slice(0, 10),
    });
  }
  return events;
}
