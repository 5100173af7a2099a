// The deliverability guard's routes: the state of a tenant's sending, and its policy (thresholds, soft bounces).
import * as v from "valibot";
import { DELIVERABILITY_STATES, POLICY_LIMITS } from "../deliverability/policy";
import { declareRoute } from "./route";

const percent = v.pipe(
  v.number("must be a number"),
  v.minValue(0, "must be 0 or more"),
  v.maxValue(100, "must be at most 100"),
);
const level = (what: string) =>
  v.pipe(
    v.strictObject({ warning: percent, critical: percent }),
    v.forward(
      v.check((l) => l.warning <= l.critical, "must not be above critical"),
      ["warning"],
    ),
    v.description(`${what} in percent of sent: warning and critical thresholds`),
  );
const wholeNumber = (min: number, max: number) =>
  v.pipe(
    v.number("must be a number"),
    v.integer("must be a whole number"),
    v.minValue(min, `must be at least ${min}`),
    v.maxValue(max, `must be at most ${max}`),
  );

export const DeliverabilityPolicyBody = v.strictObject({
  thresholds: v.strictObject({
    bounceRate: level("Bounce rate"),
    complaintRate: level("Spam complaint rate"),
    windowDays: v.pipe(wholeNumber(1, POLICY_LIMITS.maxWindowDays), v.description("the rolling window, in days")),
    minimumSent: v.pipe(wholeNumber(1, 1_000_000_000), v.description("sent in the window before any verdict")),
  }),
  softBounces: v.pipe(
    v.nullable(
      v.strictObject({
        count: wholeNumber(1, POLICY_LIMITS.maxSoftBounceCount),
        withinDays: wholeNumber(1, POLICY_LIMITS.maxSoftBounceDays),
      }),
    ),
    v.description("suppress an address after `count` soft bounces within `withinDays` days; null: off"),
  ),
});

const Deliverability = v.strictObject({
  state: v.picklist(DELIVERABILITY_STATES),
  sent: v.nullable(v.number()),
  bounces: v.nullable(v.number()),
  complaints: v.nullable(v.number()),
  bounceRate: v.pipe(v.nullable(v.number()), v.description("percent of sent")),
  complaintRate: v.pipe(v.nullable(v.number()), v.description("percent of sent")),
  window: v.pipe(
    v.strictObject({ from: v.string(), to: v.string() }),
    v.description("days of Postmark's time zone (US Eastern), inclusive"),
  ),
  reason: v.string(),
  stream: v.nullable(v.string()),
  evaluatedAt: v.string(),
  /** The state last recorded (what a notification compared against), when there is one. */
  recorded: v.nullable(
    v.strictObject({ state: v.picklist(DELIVERABILITY_STATES), since: v.string(), evaluatedAt: v.string() }),
  ),
  thresholds: DeliverabilityPolicyBody.entries.thresholds,
});

export const deliverabilityApi = {
  get: declareRoute({
    method: "get",
    path: "/v1/deliverability",
    tag: "Deliverability",
    summary:
      "The state of the tenant's sending: bounce and spam-complaint rates over the policy's window from Postmark's Stats API, against the thresholds (`unknown` with the reason when there are too few sent or Postmark cannot be asked)",
    auth: "tenant",
    responses: { 200: { description: "The state now", body: Deliverability } },
  }),
  getPolicy: declareRoute({
    method: "get",
    path: "/v1/deliverability/policy",
    tag: "Deliverability",
    summary: "The thresholds and the soft-bounce policy (the defaults until one is saved)",
    auth: "tenant",
    responses: { 200: { description: "The policy", body: DeliverabilityPolicyBody } },
  }),
  putPolicy: declareRoute({
    method: "put",
    path: "/v1/deliverability/policy",
    tag: "Deliverability",
    summary: "Saves the thresholds and the soft-bounce policy (the whole policy)",
    auth: "tenant",
    body: DeliverabilityPolicyBody,
    responses: {
      200: { description: "The policy saved", body: DeliverabilityPolicyBody },
      400: "`validation_failed`: a field out of range, or a warning threshold above its critical one",
    },
  }),
};
