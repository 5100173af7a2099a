// Postmark timestamps: ISO 8601 with 0 to 7 fraction digits and "Z" or an offset such as "-05:00".

const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * The instant in UTC as "YYYY-MM-DDTHH:MM:SS.fffffffZ" (always 7 fraction digits, so that text order is
 * time order and sub-millisecond order is kept), or null for anything that is not a valid timestamp.
 * A timestamp without a zone is taken as UTC.
 */
export function toUtcTimestamp(value: unknown): string | null {
  if (typeof value !== "string" || value.length > 40) return null;
  const m = ISO_8601.exec(value.trim());
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const fraction = (m[7] ?? "").padEnd(7, "0").slice(0, 7);
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone && zone.toUpperCase() !== "Z") {
    const digits = zone.slice(1).replace(":", "");
    const hours = Number(digits.slice(0, 2));
    const minutes = Number(digits.slice(2, 4));
    if (hours > 23 || minutes > 59) return null;
    offsetMinutes = (zone[0] === "-" ? -1 : 1) * (hours * 60 + minutes);
  }
  if (year < 1970 || year > 9000) return null;
  const local = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  // Reject dates that Date.UTC silently rolls over (Feb 30, 24:61...).
  if (
    local.getUTCMonth() !== month - 1 ||
    local.getUTCDate() !== day ||
    local.getUTCHours() !== hour ||
    local.getUTCMinutes() !== minute ||
    local.getUTCSeconds() !== second
  ) {
    return null;
  }
  const utc = new Date(local.getTime() - offsetMinutes * 60_000);
  return `${utc.toISOString().slice(0, 19)}.${fraction}Z`;
}

/** How far an event's own time may be ahead of its receipt (clocks differ) before it is not believed. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * The time an event is ordered and counted by: its own time, unless that is more than MAX_CLOCK_SKEW_MS after
 * it was received (a far-future date would outrank every real event and put future days in the report).
 * Both in the 7-digit form, whose text order is time order.
 */
export function eventTime(occurredAt: string | null, receivedAt: string): string {
  if (occurredAt === null) return receivedAt;
  const latestBelievable = utcNow(new Date(Date.parse(`${receivedAt.slice(0, 23)}Z`) + MAX_CLOCK_SKEW_MS));
  return occurredAt > latestBelievable ? receivedAt : occurredAt;
}

/** The current time in the same form. */
export function utcNow(now = new Date()): string {
  return `${now.toISOString().slice(0, 23)}0000Z`;
}

/** A 7-digit UTC timestamp shortened to the usual millisecond ISO form for API answers. */
export function toIsoMillis(timestamp: string): string {
  return `${timestamp.slice(0, 23)}Z`;
}
