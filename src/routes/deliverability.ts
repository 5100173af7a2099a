// The deliverability guard: the state now (evaluated on read as well as by the scheduled handler) and the policy.
import { Hono } from "hono";
import { getPolicy, getStoredVerdict, savePolicy } from "../db/deliverability";
import { evaluateTenant } from "../deliverability/guard";
import type { AppEnv } from "../http/app-env";
import { register } from "../http/route";
import { deliverabilityApi as api } from "../schemas/deliverability";

export const deliverabilityRoutes = new Hono<AppEnv>();

register(deliverabilityRoutes, api.get, async (c) => {
  const tenantId = c.get("tenantId");
  const evaluation = await evaluateTenant(c.env, tenantId);
  const [recorded, policy] = await Promise.all([getStoredVerdict(c.env.DB, tenantId), getPolicy(c.env.DB, tenantId)]);
  return c.json({
    ...evaluation.reading,
    stream: evaluation.stream,
    evaluatedAt: evaluation.evaluatedAt,
    recorded: recorded ? { state: recorded.state, since: recorded.changedAt, evaluatedAt: recorded.evaluatedAt } : null,
    thresholds: policy.thresholds,
  });
});

register(deliverabilityRoutes, api.getPolicy, async (c) => c.json(await getPolicy(c.env.DB, c.get("tenantId"))));

register(deliverabilityRoutes, api.putPolicy, async (c) => {
  const policy = c.req.valid("json");
  await savePolicy(c.env.DB, c.get("tenantId"), policy, new Date().toISOString());
  return c.json(policy);
});
