// SQL for the per-tenant HTTP Basic credentials of the Postmark callback URL.
import type { SealedSecret } from "../crypto/secret-box";

export interface StoredCredential {
  username: string;
  passwordHash: string;
  password: SealedSecret;
}

interface CredentialRow {
  username: string;
  password_hash: string;
  password_ciphertext: string;
  password_iv: string;
  password_kid: string;
}

const toCredential = (row: CredentialRow): StoredCredential => ({
  username: row.username,
  passwordHash: row.password_hash,
  password: { ciphertext: row.password_ciphertext, iv: row.password_iv, kid: row.password_kid },
});

/** How long superseded credentials keep working after a rotation. */
const ROTATION_OVERLAP_MS = 24 * 60 * 60 * 1000;

/** The credentials shown on the settings page (the newest). */
export async function currentCredential(db: D1Database, tenantId: string): Promise<StoredCredential | null> {
  const row = await db
    .prepare(
      "SELECT username, password_hash, password_ciphertext, password_iv, password_kid FROM webhook_credentials WHERE tenant_id = ?1 AND expires_at IS NULL",
    )
    .bind(tenantId)
    .first<CredentialRow>();
  return row ? toCredential(row) : null;
}

/** A credential that may sign in until `expiresAt` (null: the current one, no end yet). */
export interface LiveCredential {
  username: string;
  passwordHash: string;
  expiresAt: string | null;
}

/** Every credential that may sign in now: the current one and those rotated out less than 24 hours ago. */
export async function liveCredentials(db: D1Database, tenantId: string, now: Date): Promise<LiveCredential[]> {
  const { results } = await db
    .prepare(
      "SELECT username, password_hash, expires_at FROM webhook_credentials WHERE tenant_id = ?1 AND (expires_at IS NULL OR expires_at > ?2)",
    )
    .bind(tenantId, now.toISOString())
    .all<{ username: string; password_hash: string; expires_at: string | null }>();
  return results.map((r) => ({ username: r.username, passwordHash: r.password_hash, expiresAt: r.expires_at }));
}

const insertSql = `INSERT INTO webhook_credentials (id, tenant_id, username, password_hash, password_ciphertext, password_iv, password_kid, created_at)
  VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT DO NOTHING`;

function insertStatement(db: D1Database, tenantId: string, c: StoredCredential, now: Date) {
  return db
    .prepare(insertSql)
    .bind(
      crypto.randomUUID(),
      tenantId,
      c.username,
      c.passwordHash,
      c.password.ciphertext,
      c.password.iv,
      c.password.kid,
      now.toISOString(),
    );
}

/** Stores `fresh` as the tenant's first credential unless one exists; returns the current one either way. */
export async function ensureCredential(
  db: D1Database,
  tenantId: string,
  fresh: StoredCredential,
  now: Date,
): Promise<StoredCredential> {
  await insertStatement(db, tenantId, fresh, now).run();
  return (await currentCredential(db, tenantId)) ?? fresh;
}

/** Makes `fresh` current; the previous ones expire in 24 hours, and long-expired ones are removed. */
export async function rotateCredential(
  db: D1Database,
  tenantId: string,
  fresh: StoredCredential,
  now: Date,
): Promise<void> {
  await db.batch([
    db
      .prepare("DELETE FROM webhook_credentials WHERE tenant_id = ?1 AND expires_at <= ?2")
      .bind(tenantId, now.toISOString()),
    db
      .prepare("UPDATE webhook_credentials SET expires_at = ?2 WHERE tenant_id = ?1 AND expires_at IS NULL")
      .bind(tenantId, new Date(now.getTime() + ROTATION_OVERLAP_MS).toISOString()),
    insertStatement(db, tenantId, fresh, now),
  ]);
}
