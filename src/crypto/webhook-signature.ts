// Standard Webhooks signing (https://www.standardwebhooks.com): the secret `whsec_<base64 of 24 random bytes>`,
// and `v1,<base64 of HMAC-SHA256(secret, "<id>.<timestamp>.<body>")>`. WebCrypto rather than the
// `standardwebhooks` package in the Worker (a few lines against its base64 and SHA-256 code in the bundle);
// the tests verify every delivery with that package, so both must agree.
import { base64ToBytes, bytesToBase64, randomBytes, utf8Bytes } from "./encoding";
import type { Keyring, SealedSecret } from "./secret-box";

const PREFIX = "whsec_";

/** A new signing secret, shown to the tenant once. */
export const newSigningSecret = (): string => PREFIX + bytesToBase64(randomBytes(24));

/** Sealed for this tenant and this use: a sealed secret cannot be moved into another tenant's row or column. */
const sealContext = (tenantId: string) => `notification-secret:${tenantId}`;
export const sealSigningSecret = (keyring: Keyring, tenantId: string, secret: string): Promise<SealedSecret> =>
  keyring.seal(secret, sealContext(tenantId));
export const openSigningSecret = (keyring: Keyring, tenantId: string, sealed: SealedSecret): Promise<string> =>
  keyring.open(sealed, sealContext(tenantId));

/** The `webhook-signature` header value for one delivery attempt. */
export async function webhookSignature(secret: string, id: string, timestamp: number, body: string): Promise<string> {
  const raw = base64ToBytes(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret);
  if (!raw) throw new Error("the signing secret is not base64");
  const key = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, utf8Bytes(`${id}.${timestamp}.${body}`));
  return `v1,${bytesToBase64(new Uint8Array(mac))}`;
}
