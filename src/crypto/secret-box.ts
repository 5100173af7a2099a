import { base64ToBytes, bytesToBase64, bytesToHex, randomBytes, utf8Bytes } from "./encoding";

/** A sealed secret as stored in D1: AES-256-GCM ciphertext, its IV, and the id of the key. */
export interface SealedSecret {
  ciphertext: string;
  iv: string;
  kid: string;
}

interface KeyringKey {
  kid: string;
  key: CryptoKey;
}

/**
 * The encryption keys of this deployment: the current one seals, every one opens.
 * Old keys stay in the ring during a rotation so rows sealed under them still decrypt.
 */
export class Keyring {
  private constructor(
    private readonly current: KeyringKey,
    private readonly byKid: Map<string, KeyringKey>,
  ) {}

  /** Builds a keyring from raw 32-byte keys; the first is the current key. */
  static async fromRawKeys(rawKeys: Uint8Array[]): Promise<Keyring> {
    const keys = await Promise.all(
      rawKeys.map(
        async (raw): Promise<KeyringKey> => ({
          kid: await keyId(raw),
          key: await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]),
        }),
      ),
    );
    const [current] = keys;
    if (!current) throw new Error("a keyring needs at least one key");
    return new Keyring(current, new Map(keys.map((k) => [k.kid, k])));
  }

  get currentKid(): string {
    return this.current.kid;
  }

  /** Seals `plaintext`, bound to `context` (e.g. the tenant id) so a row cannot be moved to another tenant. */
  async seal(plaintext: string, context: string): Promise<SealedSecret> {
    const iv = randomBytes(12);
    const ciphertext = await crypto.subtle.encrypt(
      { name: "AES-GCM", iv, additionalData: utf8Bytes(context) },
      this.current.key,
      utf8Bytes(plaintext),
    );
    return { ciphertext: bytesToBase64(new Uint8Array(ciphertext)), iv: bytesToBase64(iv), kid: this.current.kid };
  }

  /** Opens a sealed secret; throws `SecretUnavailableError` when no key in the ring fits. */
  async open(sealed: SealedSecret, context: string): Promise<string> {
    const entry = this.byKid.get(sealed.kid);
    const iv = base64ToBytes(sealed.iv);
    const ciphertext = base64ToBytes(sealed.ciphertext);
    if (!entry || !iv || !ciphertext) throw new SecretUnavailableError(sealed.kid);
    try {
      const plaintext = await crypto.subtle.decrypt(
        { name: "AES-GCM", iv, additionalData: utf8Bytes(context) },
        entry.key,
        ciphertext,
      );
      return new TextDecoder().decode(plaintext);
    } catch {
      throw new SecretUnavailableError(sealed.kid);
    }
  }
}

export class SecretUnavailableError extends Error {
  override name = "SecretUnavailableError";
  constructor(kid: string) {
    super(`stored secret sealed under key ${kid} cannot be opened with the configured keys`);
  }
}

/** A key's id: a short hash of the key, so rows name their key without revealing it. */
async function keyId(raw: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", raw));
  return bytesToHex(digest.slice(0, 8));
}
