// What a tenant's report and suppression list must show after a run, from the events that were sent,
// and the comparison with what the Worker shows.
import type { LoopbackClient } from "../bench/http-load.ts";
import type { SentEvent } from "../bench/postmark-events.ts";
import { apiRequest, type BenchTenant } from "../bench/tenant.ts";

const REASONS: Record<string, string> = {
  HardBounce: "hard_bounce",
  SpamComplaint: "spam_complaint",
  Unsubscribe: "unsubscribe",
};

/** Differences between what `events` (distinct) should have produced and what the tenant's report and list show. */
export async function compareWithSent(
  client: LoopbackClient,
  tenant: BenchTenant,
  events: SentEvent[],
): Promise<string[]> {
  const problems: string[] = [];
  const expectedByType: Record<string, number> = {};
  for (const e of events) if (e.countsAsBounce) expectedByType[e.shape] = (expectedByType[e.shape] ?? 0) + 1;
  const expectedTotal = Object.values(expectedByType).reduce((a, b) => a + b, 0);
  const expectedSpam = events.filter((e) => e.shape === "SpamComplaint").length;
  const expectedList = new Map(events.filter((e) => e.suppresses).map((e) => [e.email, REASONS[e.shape]!]));

  const reportRes = await client.send(apiRequest(tenant, "GET", "/v1/reports/bounces?from=2026-03-01&to=2026-03-31"));
  if (reportRes.status !== 200) return [`the report answered ${reportRes.status} ${reportRes.body.slice(0, 200)}`];
  const report = JSON.parse(reportRes.body) as {
    total: number;
    byType: Record<string, number>;
    spamComplaints: number;
    suppressed: number;
  };
  if (report.total !== expectedTotal)
    problems.push(`report total ${report.total}, sent ${expectedTotal} distinct bounces`);
  for (const [type, n] of Object.entries(expectedByType)) {
    if (report.byType[type] !== n) problems.push(`report ${type} ${report.byType[type] ?? 0}, sent ${n}`);
  }
  if (report.spamComplaints !== expectedSpam)
    problems.push(`report spam complaints ${report.spamComplaints}, sent ${expectedSpam}`);
  if (report.suppressed !== expectedList.size)
    problems.push(`report suppressed ${report.suppressed}, expected ${expectedList.size}`);

  const csv = await client.send(apiRequest(tenant, "GET", "/v1/suppressions.csv"));
  const listed = new Map<string, string>();
  for (const line of csv.body.trim().split("\r\n").slice(1)) {
    const [email, , reason] = line.split(",");
    if (listed.has(email!)) problems.push(`${email} listed twice`);
    listed.set(email!, reason!);
  }
  for (const [email, reason] of expectedList) {
    if (!listed.has(email)) problems.push(`${email} missing from the suppression list`);
    else if (listed.get(email) !== reason) problems.push(`${email} listed as ${listed.get(email)}, expected ${reason}`);
  }
  for (const email of listed.keys())
    if (!expectedList.has(email)) problems.push(`${email} listed but never suppressed`);
  return problems;
}
