// SQL for a tenant's Postmark settings. The API key is stored sealed (see crypto/secret-box).
import type { SealedSecret } from "../crypto/secret-box";

export interface EmailSettings {
  tenantId: string;
  provider: "postmark";
  host: string;
  port: number;
  fromEmail: string;
  fromName: string | null;
  messageStream: string;
  apiKey: SealedSecret;
  apiKeyLast4: string;
  updatedAt: string;
}

interface EmailSettingsRow {
  tenant_id: string;
  host: string;
  port: number;
  from_email: string;
  from_name: string | null;
  message_stream: string;
  api_key_ciphertext: string;
  api_key_iv: string;
  api_key_kid: string;
  api_key_last4: string;
  updated_at: string;
}

const toSettings = (row: EmailSettingsRow): EmailSettings => ({
  tenantId: row.tenant_id,
  provider: "postmark",
  host: row.host,
  port: row.port,
  fromEmail: row.from_email,
  fromName: row.from_name,
  messageStream: row.message_stream,
  apiKey: { ciphertext: row.api_key_ciphertext, iv: row.api_key_iv, kid: row.api_key_kid },
  apiKeyLast4: row.api_key_last4,
  updatedAt: row.updated_at,
});

export async function getEmailSettings(db: D1Database, tenantId: string): Promise<EmailSettings | null> {
  const row = await db
    .prepare("SELECT * FROM email_settings WHERE tenant_id = ?1")
    .bind(tenantId)
    .first<EmailSettingsRow>();
  return row ? toSettings(row) : null;
}

export function saveEmailSettingsStatement(db: D1Database, s: EmailSettings) {
  return db
    .prepare(
      `INSERT INTO email_settings (tenant_id, provider, host, port, from_email, from_name, message_stream,
         api_key_ciphertext, api_key_iv, api_key_kid, api_key_last4, updated_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
       ON CONFLICT (tenant_id) DO UPDATE SET
         provider = excluded.provider, host = excluded.host, port = excluded.port,
         from_email = excluded.from_email, from_name = excluded.from_name, message_stream = excluded.message_stream,
         api_key_ciphertext = excluded.api_key_ciphertext, api_key_iv = excluded.api_key_iv,
         api_key_kid = excluded.api_key_kid, api_key_last4 = excluded.api_key_last4, updated_at = excluded.updated_at`,
    )
    .bind(
      s.tenantId,
      s.provider,
      s.host,
      s.port,
      s.fromEmail,
      s.fromName,
      s.messageStream,
      s.apiKey.ciphertext,
      s.apiKey.iv,
      s.apiKey.kid,
      s.apiKeyLast4,
      s.updatedAt,
    );
}

export function deleteEmailSettingsStatement(db: D1Database, tenantId: string) {
  return db.prepare("DELETE FROM email_settings WHERE tenant_id = ?1").bind(tenantId);
}
