// HTTP Basic credentials for a tenant's Postmark callback URL (Postmark signs nothing; this is its only guard).
import type { StoredCredential } from "../db/webhook-credentials";
import { base64ToBytes, bytesToBase64Url, bytesToHex, randomBytes } from "./encoding";
import type { Keyring } from "./secret-box";
import { constantTimeEqual, sha256Hex } from "./tokens";

const sealContext = (tenantId: string) => `postmark-webhook:${tenantId}`;

/** New random credentials: the password sealed for display and hashed for checking. */
export async function newWebhookCredential(keyring: Keyring, tenantId: string): Promise<StoredCredential> {
  const username = `postmark-${bytesToHex(randomBytes(4))}`;
  const password = bytesToBase64Url(randomBytes(32)); // URL-safe, so it fits in https://user:pass@host/
  return {
    username,
    passwordHash: await sha256Hex(password),
    password: await keyring.seal(password, sealContext(tenantId)),
  };
}

export async function revealPassword(
  keyring: Keyring,
  tenantId: string,
  credential: StoredCredential,
): Promise<string> {
  return keyring.open(credential.password, sealContext(tenantId));
}

/** Whether the pair matches any live credential; compares every one fully, so timing tells nothing. */
export async function matchesAny(
  given: { username: string; password: string },
  live: { username: string; passwordHash: string }[],
): Promise<boolean> {
  const givenHash = await sha256Hex(given.password);
  // With nothing to compare (unknown tenant), still do the work of one comparison.
  const candidates = live.length > 0 ? live : [{ username: "", passwordHash: "" }];
  const checks = await Promise.all(
    candidates.map(async (c) => {
      const [user, password] = await Promise.all([
        constantTimeEqual(given.username, c.username),
        constantTimeEqual(givenHash, c.passwordHash),
      ]);
      return user && password;
    }),
  );
  return live.length > 0 && checks.includes(true);
}

/** The user and password of an `Authorization: Basic ...` header, or null. */
export function basicCredentials(header: string | undefined): { username: string; password: string } | null {
  const match = /^Basic[ ]+(\S+)\s*$/i.exec(header ?? "");
  const bytes = match ? base64ToBytes(match[1]!) : null;
  if (!bytes) return null;
  let decoded: string;
  try {
    decoded = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return null;
  }
  const colon = decoded.indexOf(":");
  return colon < 0 ? null : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
