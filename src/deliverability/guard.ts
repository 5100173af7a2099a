// The deliverability guard: the tenant's rates over its window, from Postmark's Stats API, judged against its
// thresholds; a change of state is recorded with its deliverability.changed notification. Run by the scheduled
// handler for every tenant with settings (so a crossing is noticed without anyone looking) and on read.
import { loadConfig } from "../config";
import {
  type DeliverabilityReading,
  getPolicy,
  getStoredVerdict,
  recordVerdict,
  tenantsToEvaluate,
} from "../db/deliverability";
import { getEmailSettings } from "../db/email-settings";
import { logError } from "../http/errors";
import { PostmarkRefused, PostmarkUnavailable, postmarkApi } from "../postmark/api/client";
import { judge, windowEnding } from "./policy";

type GuardEnv = Env;

export interface Evaluation {
  reading: DeliverabilityReading;
  /** The stream the rates are of: the settings' stream. */
  stream: string | null;
  /** False when the state could not be judged now (no settings, Postmark not asked): nothing was recorded. */
  judged: boolean;
  evaluatedAt: string;
}

const describe = (err: PostmarkRefused | PostmarkUnavailable) =>
  err instanceof PostmarkRefused
    ? `Postmark refused the stats request (HTTP ${err.status}, ErrorCode ${err.errorCode}): ${err.message}`
    : `Postmark could not be asked for its stats: ${err.reason}`;

/**
 * Evaluates one tenant now. A verdict from Postmark's figures is recorded (and notified when the state
 * changed); when Postmark cannot be asked the answer is `unknown` with the reason, and the stored state stays,
 * so an outage never notifies.
 */
export async function evaluateTenant(env: GuardEnv, tenantId: string, now = new Date()): Promise<Evaluation> {
  const [policy, settings, previous] = await Promise.all([
    getPolicy(env.DB, tenantId),
    getEmailSettings(env.DB, tenantId),
    getStoredVerdict(env.DB, tenantId),
  ]);
  const window = windowEnding(now, policy.thresholds.windowDays);
  const at = now.toISOString();
  const unjudged = (reason: string): Evaluation => ({
    reading: {
      state: "unknown",
      sent: null,
      bounces: null,
      complaints: null,
      bounceRate: null,
      complaintRate: null,
      window,
      reason,
    },
    stream: settings?.messageStream ?? null,
    judged: false,
    evaluatedAt: at,
  });
  if (!settings) return unjudged("Email is not set up: save the Postmark settings first.");

  let overview: Awaited<ReturnType<ReturnType<typeof postmarkApi>["outboundOverview"]>>;
  try {
    const token = await (await loadConfig(env)).keyring.open(settings.apiKey, tenantId);
    overview = await postmarkApi(env, token).outboundOverview({ stream: settings.messageStream, ...window });
  } catch (err) {
    if (!(err instanceof PostmarkRefused || err instanceof PostmarkUnavailable)) throw err;
    return unjudged(`${describe(err)}. The last verdict stands until Postmark answers.`);
  }
  const counts = { sent: overview.Sent, bounces: overview.Bounced, complaints: overview.SpamComplaints };
  const verdict = judge(policy.thresholds, counts);
  const reading: DeliverabilityReading = { ...counts, ...verdict, window };
  await recordVerdict(env.DB, tenantId, previous, reading, at);
  return { reading, stream: settings.messageStream, judged: true, evaluatedAt: at };
}

/**
 * Tenants evaluated per scheduled run (a minute), and how many Postmark calls run at once. Each evaluation is
 * one Postmark call and about five D1 queries: 50 keep a run well inside a Worker's 1,000 subrequests and D1
 * queries per invocation, beside the pushes and notifications the same run sends. With more tenants than that,
 * each is evaluated every (tenants / 50) minutes.
 */
const TENANTS_PER_RUN = 50;
const CONCURRENT_CALLS = 4;

/**
 * The scheduled handler's pass: tenants with settings, least recently evaluated first, at most TENANTS_PER_RUN a
 * run (the rest on the next minutes). A tenant whose evaluation fails is logged and skipped.
 */
export async function evaluateAllTenants(env: GuardEnv, now = new Date()): Promise<void> {
  const queue = await tenantsToEvaluate(env.DB, TENANTS_PER_RUN);
  const worker = async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      try {
        await evaluateTenant(env, id, now);
      } catch (err) {
        logError("deliverability evaluation failed", err);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENT_CALLS }, worker));
}
