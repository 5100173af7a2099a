// Operator routes for dead letters: Postmark events the queue consumer could not store after its retries.
import * as v from "valibot";
import { declareRoute } from "./route";
import { limit } from "./suppressions";

const DeadLetter = v.strictObject({
  id: v.string(),
  tenantId: v.string(),
  eventKey: v.string(),
  kind: v.string(),
  lastError: v.string(),
  attempts: v.number(),
  deadAt: v.string(),
  replayedAt: v.nullable(v.string()),
});

const tag = "Operator";

export const deadLettersApi = {
  list: declareRoute({
    method: "get",
    path: "/v1/dead-letters",
    tag,
    summary:
      "Postmark events the queue consumer could not store after its retries, oldest first, with the last error (`pending=false` includes replayed ones)",
    auth: "admin",
    query: v.object({
      pending: v.optional(v.picklist(["true", "false"], "must be true or false"), "true"),
      limit: limit(100, 1000),
    }),
    responses: {
      200: { description: "The dead letters", body: v.strictObject({ items: v.array(DeadLetter) }) },
      400: "`validation_failed`: a query parameter is out of range",
    },
  }),
  replay: declareRoute({
    method: "post",
    path: "/v1/dead-letters/replay",
    tag,
    summary:
      "Commit up to `limit` (default 100) pending dead letters, oldest first, with the consumer's idempotent statements; replaying again changes nothing",
    auth: "admin",
    query: v.object({ limit: limit(100, 1000) }),
    responses: {
      200: {
        description: "How many were committed, which failed (and why), how many remain pending",
        body: v.strictObject({
          replayed: v.number(),
          failed: v.array(v.strictObject({ id: v.string(), error: v.string() })),
          remaining: v.number(),
        }),
      },
      400: "`validation_failed`: `limit` is out of range",
    },
  }),
};
