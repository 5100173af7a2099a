// The sync state of a tenant at a glance: for GET /v1/email/postmark and the dashboard.
import { type PushSummary, pushSummary } from "../db/postmark-pushes";

export interface SyncState {
  /** pushes waiting for a retry, and pushes Postmark refused (or whose retries ran out) */
  pendingPushes: number;
  failedPushes: number;
  lastImport: { at: string; stream: string; seen: number; added: number; alreadySuppressed: number } | null;
  /** the newest error: of a pending or failed push, or of the last import that failed */
  lastError: { at: string; message: string } | null;
}

interface SyncRow {
  last_import_at: string | null;
  last_import_stream: string | null;
  last_import_seen: number | null;
  last_import_added: number | null;
  last_import_already: number | null;
  last_error: string | null;
  last_error_at: string | null;
}

export async function syncState(db: D1Database, tenantId: string): Promise<SyncState> {
  const [pushes, row] = await Promise.all([
    pushSummary(db, tenantId),
    db.prepare("SELECT * FROM postmark_sync WHERE tenant_id = ?1").bind(tenantId).first<SyncRow>(),
  ]);
  return {
    pendingPushes: pushes.pending,
    failedPushes: pushes.failed,
    lastImport:
      row?.last_import_at && row.last_import_stream
        ? {
            at: row.last_import_at,
            stream: row.last_import_stream,
            seen: row.last_import_seen ?? 0,
            added: row.last_import_added ?? 0,
            alreadySuppressed: row.last_import_already ?? 0,
          }
        : null,
    lastError: newest(pushes.lastError, row),
  };
}

function newest(push: PushSummary["lastError"], row: SyncRow | null): SyncState["lastError"] {
  const importError = row?.last_error && row.last_error_at ? { at: row.last_error_at, message: row.last_error } : null;
  const pushError = push ? { at: push.at, message: `${push.email} (${push.stream}): ${push.message}` } : null;
  if (!importError) return pushError;
  if (!pushError) return importError;
  return pushError.at > importError.at ? pushError : importError;
}
