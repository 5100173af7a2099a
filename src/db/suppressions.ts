// SQL for the suppression list.

/** Addresses are compared case-insensitively after trimming. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** The suppression that blocks mail to `email` on `stream`, or null when the address is active. */
export async function findSuppression(
  db: D1Database,
  tenantId: string,
  stream: string,
  email: string,
): Promise<{ reason: string } | null> {
  return db
    .prepare("SELECT reason FROM suppressions WHERE tenant_id = ?1 AND stream = ?2 AND email = ?3")
    .bind(tenantId, stream, normaliseEmail(email))
    .first<{ reason: string }>();
}
