import { bytesToBase64Url, bytesToHex, randomBytes, utf8Bytes } from "./encoding";

/** Prefix that makes leaked tokens easy to spot by secret scanners. */
const ACCESS_TOKEN_PREFIX = "pet_";

/** A new tenant access token: 256 random bits, shown once and stored only as a hash. */
export function newAccessToken(): string {
  return ACCESS_TOKEN_PREFIX + bytesToBase64Url(randomBytes(32));
}

export async function sha256Hex(text: string): Promise<string> {
  return bytesToHex(new Uint8Array(await crypto.subtle.digest("SHA-256", utf8Bytes(text))));
}

/**
 * Compares two secrets in constant time. Both sides are hashed first so that
 * neither the content nor the length of the expected value leaks through timing.
 */
export async function constantTimeEqual(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([
    crypto.subtle.digest("SHA-256", utf8Bytes(given)),
    crypto.subtle.digest("SHA-256", utf8Bytes(expected)),
  ]);
  return crypto.subtle.timingSafeEqual(a, b);
}
