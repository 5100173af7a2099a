// Email addresses as the suppression list compares them.

/** Addresses are compared case-insensitively after trimming. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

// One "@" with something on each side, no spaces or control characters: loose on purpose (Postmark reports
// internationalised addresses too), strict enough that a field of the wrong shape never becomes a row.
const PLAUSIBLE_EMAIL = /^[^\s\p{Cc}@]{1,64}@[^\s\p{Cc}@]{1,255}$/u;

/** The normalised address, or null when `value` is not a string that looks like an address. */
export function toAddress(value: unknown): string | null {
  if (typeof value !== "string") return null;
  const email = normaliseEmail(value);
  return email.length <= 320 && PLAUSIBLE_EMAIL.test(email) ? email : null;
}
