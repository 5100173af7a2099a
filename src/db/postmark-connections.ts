// SQL for what is known of a tenant's Postmark server through its API (migrations/0006_postmark_connection.sql).

/** The outcome of the last check of the saved token against Postmark. */
export interface PostmarkVerification {
  verified: boolean;
  serverId: number | null;
  serverName: string | null;
  /** Why the token is not verified; null when it is. */
  reason: string | null;
  checkedAt: string;
}

export interface InstalledWebhook {
  webhookId: number;
  stream: string;
  installedAt: string;
}

export interface PostmarkConnection {
  verification: PostmarkVerification;
  webhook: InstalledWebhook | null;
}

interface ConnectionRow {
  verified: number;
  server_id: number | null;
  server_name: string | null;
  reason: string | null;
  checked_at: string;
  webhook_id: number | null;
  webhook_stream: string | null;
  webhook_installed_at: string | null;
}

const toConnection = (row: ConnectionRow): PostmarkConnection => ({
  verification: {
    verified: row.verified === 1,
    serverId: row.server_id,
    serverName: row.server_name,
    reason: row.reason,
    checkedAt: row.checked_at,
  },
  webhook:
    row.webhook_id !== null && row.webhook_stream !== null && row.webhook_installed_at !== null
      ? { webhookId: row.webhook_id, stream: row.webhook_stream, installedAt: row.webhook_installed_at }
      : null,
});

export async function getPostmarkConnection(db: D1Database, tenantId: string): Promise<PostmarkConnection | null> {
  const row = await db
    .prepare(
      "SELECT verified, server_id, server_name, reason, checked_at, webhook_id, webhook_stream, webhook_installed_at FROM postmark_connections WHERE tenant_id = ?1",
    )
    .bind(tenantId)
    .first<ConnectionRow>();
  return row ? toConnection(row) : null;
}

/**
 * Records a check of the token. The installed webhook is remembered only while the check names the same
 * server (a token for another server, or one not checked, cannot vouch for that webhook).
 */
export function saveVerificationStatement(db: D1Database, tenantId: string, v: PostmarkVerification) {
  return db
    .prepare(
      `INSERT INTO postmark_connections (tenant_id, verified, server_id, server_name, reason, checked_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6)
       ON CONFLICT (tenant_id) DO UPDATE SET
         verified = excluded.verified, reason = excluded.reason, checked_at = excluded.checked_at,
         webhook_id = CASE WHEN excluded.server_id IS postmark_connections.server_id THEN postmark_connections.webhook_id END,
         webhook_stream = CASE WHEN excluded.server_id IS postmark_connections.server_id THEN postmark_connections.webhook_stream END,
         webhook_installed_at = CASE WHEN excluded.server_id IS postmark_connections.server_id THEN postmark_connections.webhook_installed_at END,
         server_id = excluded.server_id, server_name = excluded.server_name`,
    )
    .bind(tenantId, v.verified ? 1 : 0, v.serverId, v.serverName, v.reason, v.checkedAt);
}

export async function saveVerification(db: D1Database, tenantId: string, v: PostmarkVerification): Promise<void> {
  await saveVerificationStatement(db, tenantId, v).run();
}

/** The reason shown while a token has not been checked yet (settings saved before this check existed). */
export const NOT_CHECKED = "not checked with Postmark yet: save the API key again to check it";

/** Records the webhook installed (or found and updated) in Postmark; null records that none is installed. */
export async function saveInstalledWebhook(
  db: D1Database,
  tenantId: string,
  webhook: InstalledWebhook | null,
  now = new Date(),
): Promise<void> {
  await db
    .prepare(
      `INSERT INTO postmark_connections (tenant_id, verified, reason, checked_at, webhook_id, webhook_stream, webhook_installed_at)
       VALUES (?1, 0, ?5, ?6, ?2, ?3, ?4)
       ON CONFLICT (tenant_id) DO UPDATE SET
         webhook_id = excluded.webhook_id, webhook_stream = excluded.webhook_stream,
         webhook_installed_at = excluded.webhook_installed_at`,
    )
    .bind(
      tenantId,
      webhook?.webhookId ?? null,
      webhook?.stream ?? null,
      webhook?.installedAt ?? null,
      NOT_CHECKED,
      now.toISOString(),
    )
    .run();
}

export function deletePostmarkConnectionStatement(db: D1Database, tenantId: string) {
  return db.prepare("DELETE FROM postmark_connections WHERE tenant_id = ?1").bind(tenantId);
}

/** The newest event stored from Postmark's webhook, as GET /v1/email/postmark shows it. */
export interface LastEvent {
  kind: string;
  type: string;
  stream: string;
  email: string | null;
  occurredAt: string;
  receivedAt: string;
}

export async function lastReceivedEvent(db: D1Database, tenantId: string): Promise<LastEvent | null> {
  const row = await db
    .prepare(
      "SELECT kind, type, stream, email, occurred_at, received_at FROM postmark_events WHERE tenant_id = ?1 ORDER BY received_at DESC LIMIT 1",
    )
    .bind(tenantId)
    .first<{
      kind: string;
      type: string;
      stream: string;
      email: string | null;
      occurred_at: string;
      received_at: string;
    }>();
  return row
    ? {
        kind: row.kind,
        type: row.type,
        stream: row.stream,
        email: row.email,
        occurredAt: row.occurred_at,
        receivedAt: row.received_at,
      }
    : null;
}
