// SQL for tenants and their access tokens.
import { newAccessToken, sha256Hex } from "../crypto/tokens";

export interface Tenant {
  id: string;
  name: string;
  createdAt: string;
}

export interface IssuedToken {
  id: string;
  token: string;
}

interface TenantRow {
  id: string;
  name: string;
  created_at: string;
}

const toTenant = (row: TenantRow): Tenant => ({ id: row.id, name: row.name, createdAt: row.created_at });

async function tokenInsert(db: D1Database, tenantId: string, now: string) {
  const token = newAccessToken();
  const id = crypto.randomUUID();
  const statement = db
    .prepare("INSERT INTO tenant_tokens (id, tenant_id, token_hash, created_at) VALUES (?1, ?2, ?3, ?4)")
    .bind(id, tenantId, await sha256Hex(token), now);
  return { issued: { id, token }, statement };
}

/** Creates a tenant and its first access token in one batch. */
export async function createTenant(db: D1Database, name: string): Promise<Tenant & { token: IssuedToken }> {
  const tenant: Tenant = { id: crypto.randomUUID(), name, createdAt: new Date().toISOString() };
  const { issued, statement } = await tokenInsert(db, tenant.id, tenant.createdAt);
  await db.batch([
    db
      .prepare("INSERT INTO tenants (id, name, created_at) VALUES (?1, ?2, ?3)")
      .bind(tenant.id, name, tenant.createdAt),
    statement,
  ]);
  return { ...tenant, token: issued };
}

export async function listTenants(db: D1Database): Promise<Tenant[]> {
  const { results } = await db
    .prepare("SELECT id, name, created_at FROM tenants ORDER BY created_at, id")
    .all<TenantRow>();
  return results.map(toTenant);
}

export async function getTenant(db: D1Database, id: string): Promise<Tenant | null> {
  const row = await db.prepare("SELECT id, name, created_at FROM tenants WHERE id = ?1").bind(id).first<TenantRow>();
  return row ? toTenant(row) : null;
}

/** Issues another access token for an existing tenant; earlier tokens stay valid. */
export async function issueToken(db: D1Database, tenantId: string): Promise<IssuedToken> {
  const { issued, statement } = await tokenInsert(db, tenantId, new Date().toISOString());
  await statement.run();
  return issued;
}

export interface TokenInfo {
  id: string;
  createdAt: string;
  revokedAt: string | null;
}

export async function listTokens(db: D1Database, tenantId: string): Promise<TokenInfo[]> {
  const { results } = await db
    .prepare("SELECT id, created_at, revoked_at FROM tenant_tokens WHERE tenant_id = ?1 ORDER BY created_at, id")
    .bind(tenantId)
    .all<{ id: string; created_at: string; revoked_at: string | null }>();
  return results.map((r) => ({ id: r.id, createdAt: r.created_at, revokedAt: r.revoked_at }));
}

/** Revokes one token of a tenant; false when the tenant has no such live token. */
export async function revokeToken(db: D1Database, tenantId: string, tokenId: string): Promise<boolean> {
  const result = await db
    .prepare("UPDATE tenant_tokens SET revoked_at = ?3 WHERE id = ?1 AND tenant_id = ?2 AND revoked_at IS NULL")
    .bind(tokenId, tenantId, new Date().toISOString())
    .run();
  return result.meta.changes > 0;
}

/** The live token row whose hash matches, if any. */
export async function findLiveToken(db: D1Database, tokenHash: string) {
  return db
    .prepare("SELECT tenant_id, token_hash FROM tenant_tokens WHERE token_hash = ?1 AND revoked_at IS NULL")
    .bind(tokenHash)
    .first<{ tenant_id: string; token_hash: string }>();
}
