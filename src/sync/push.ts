// Pushing local suppression changes to Postmark: the route's one attempt, and the scheduled retries.
// The change and its push are already committed together (db/postmark-pushes.ts) when these run.
import { loadConfig } from "../config";
import { getEmailSettings } from "../db/email-settings";
import {
  claimDuePushes,
  type Push,
  type PushOutcome,
  type PushState,
  pushOutcomeStatement,
} from "../db/postmark-pushes";
import { logError } from "../http/errors";
import {
  MAX_SUPPRESSIONS_PER_CALL,
  PostmarkRefused,
  PostmarkUnavailable,
  postmarkApi,
  type SuppressionResult,
} from "../postmark/api/client";
import { utcNow } from "../postmark/timestamps";

/** After this many attempts without an answer about the address, a push is given up (state failed). */
export const MAX_PUSH_ATTEMPTS = 10;
/** Retries wait 1, 2, 4, ... minutes after each attempt, at most 6 hours: about 9 hours over 10 attempts. */
export function retryDelayMs(attempts: number): number {
  return Math.min(60_000 * 2 ** Math.max(0, attempts - 1), 6 * 3600_000);
}
/** How long a route spends starting Postmark calls; what it did not start is left to the scheduled handler. */
const ROUTE_BUDGET_MS = 5000;
/** Postmark calls a route or a scheduled run makes at once. */
const CONCURRENT_CALLS = 4;

export const after = (ms: number, from = new Date()) => utcNow(new Date(from.getTime() + ms));

/** An address's Postmark state as the API answers it. */
export interface PushReport {
  email: string;
  state: Exclude<PushState, "superseded">;
  message?: string;
}

type PushEnv = Pick<Env, "DB" | "POSTMARK_API_URL">;

const describe = (err: unknown): string =>
  err instanceof PostmarkRefused
    ? `Postmark refused the request (HTTP ${err.status}, ErrorCode ${err.errorCode}): ${err.message}`
    : err instanceof PostmarkUnavailable
      ? `Postmark could not be reached: ${err.reason}`
      : "the push failed unexpectedly";

/** What each push's attempt came to, from Postmark's per-address results or the call's error. */
function outcomes(pushes: Push[], answer: SuppressionResult[] | Error, now: Date): PushOutcome[] {
  const byAddress = new Map(
    answer instanceof Error ? [] : answer.map((r) => [r.EmailAddress.trim().toLowerCase(), r] as const),
  );
  return pushes.map((push): PushOutcome => {
    const result = byAddress.get(push.email);
    if (result && result.Status !== "Failed") return { state: "done", message: null };
    if (result) return { state: "failed", message: result.Message ?? "Postmark did not accept this address." };
    const why = answer instanceof Error ? describe(answer) : "Postmark's answer did not mention this address";
    if (push.attempts >= MAX_PUSH_ATTEMPTS) {
      return { state: "failed", message: `Given up after ${push.attempts} attempts: ${why}` };
    }
    return { state: "pending", message: why, nextAttemptAt: after(retryDelayMs(push.attempts), now) };
  });
}

/**
 * One attempt of pushes of one tenant, stream and action (at most 50), already claimed: calls Postmark once
 * and records each push's outcome. Never throws for Postmark's failures: they leave the pushes pending.
 */
async function attempt(env: PushEnv, token: string, pushes: Push[]): Promise<PushReport[]> {
  const first = pushes[0]!;
  const api = postmarkApi(env, token);
  const emails = pushes.map((p) => p.email);
  let answer: SuppressionResult[] | Error;
  try {
    answer =
      first.action === "create"
        ? await api.createSuppressions(first.stream, emails)
        : await api.deleteSuppressions(first.stream, emails);
  } catch (err) {
    if (!(err instanceof PostmarkRefused || err instanceof PostmarkUnavailable)) throw err;
    answer = err;
  }
  const results = outcomes(pushes, answer, new Date());
  await env.DB.batch(pushes.map((p, i) => pushOutcomeStatement(env.DB, p, results[i]!)));
  return pushes.map((p, i) => report(p.email, results[i]!));
}

const report = (email: string, outcome: PushOutcome): PushReport => ({
  email,
  state: outcome.state,
  ...(outcome.message !== null ? { message: outcome.message } : {}),
});

/** Groups pushes into Postmark calls: same tenant, stream and action, at most 50 addresses each. */
function calls(pushes: Push[]): Push[][] {
  const groups = new Map<string, Push[]>();
  for (const p of pushes) {
    const key = JSON.stringify([p.tenantId, p.stream, p.action]);
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  return [...groups.values()].flatMap((group) =>
    Array.from({ length: Math.ceil(group.length / MAX_SUPPRESSIONS_PER_CALL) }, (_, i) =>
      group.slice(i * MAX_SUPPRESSIONS_PER_CALL, (i + 1) * MAX_SUPPRESSIONS_PER_CALL),
    ),
  );
}

/** Runs `work` over `items`, a few at a time, starting none after `deadline` (ms since epoch). */
async function inTurns<T, R>(items: T[], deadline: number, work: (item: T) => Promise<R>): Promise<(R | null)[]> {
  const results: (R | null)[] = items.map(() => null);
  let next = 0;
  const worker = async () => {
    while (next < items.length && Date.now() < deadline) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENT_CALLS }, worker));
  return results;
}

/**
 * The route's one try of the pushes it has just committed (claimed already, attempt 1), within its bounds:
 * each address's state. Calls not started in time stay pending for the scheduled handler.
 */
export async function pushNow(env: PushEnv, token: string, pushes: Push[]): Promise<PushReport[]> {
  const groups = calls(pushes);
  const done = await inTurns(groups, Date.now() + ROUTE_BUDGET_MS, (group) => attempt(env, token, group));
  return groups.flatMap((group, i) => done[i] ?? group.map((p) => ({ email: p.email, state: "pending" as const })));
}

/** Pushes one scheduled run handles at most, and how long it may keep starting calls. */
const DRAIN_LIMIT = 500;
const DRAIN_BUDGET_MS = 20_000;
/** A claimed push whose run died is tried again after this long. */
const CLAIM_LEASE_MS = 2 * 60_000;

/**
 * The scheduled handler's work: pending pushes of every tenant that are due, each with its own tenant's
 * token (never another's). Pushes of a tenant whose settings are gone fail: there is no token to push with.
 */
export async function drainPushes(env: Env, now = new Date()): Promise<{ attempted: number }> {
  const claimed = await claimDuePushes(env.DB, utcNow(now), DRAIN_LIMIT, after(CLAIM_LEASE_MS, now));
  if (claimed.length === 0) return { attempted: 0 };
  const config = await loadConfig(env);
  const tokens = new Map<string, Promise<string | null>>();
  const tokenOf = (tenantId: string) => {
    let token = tokens.get(tenantId);
    if (!token) {
      token = getEmailSettings(env.DB, tenantId).then((s) => (s ? config.keyring.open(s.apiKey, tenantId) : null));
      tokens.set(tenantId, token);
    }
    return token;
  };
  const deadline = now.getTime() + DRAIN_BUDGET_MS;
  await inTurns(calls(claimed), deadline, async (group) => {
    try {
      const token = await tokenOf(group[0]!.tenantId);
      if (token === null) {
        const gone: PushOutcome = {
          state: "failed",
          message: "The Postmark settings were removed: nothing to push with.",
        };
        await env.DB.batch(group.map((p) => pushOutcomeStatement(env.DB, p, gone)));
        return;
      }
      await attempt(env, token, group);
    } catch (err) {
      // One tenant's trouble (a key sealed under a dropped ENCRYPTION_KEY, D1 failing) must not stop the
      // others; its pushes stay claimed until the lease ends and are tried again then.
      logError(`push of ${group.length} suppression changes failed`, err);
    }
  });
  return { attempted: claimed.length };
}
