// Operator routes: list and replay dead letters (src/queue/postmark-events.ts), under the ADMIN_TOKEN.
import { Hono } from "hono";
import { listDeadLetters, replayDeadLetters } from "../db/dead-letters";
import type { AppEnv } from "../http/app-env";
import { register } from "../http/route";
import { deadLettersApi as api } from "../schemas/dead-letters";

export const deadLetterRoutes = new Hono<AppEnv>();

register(deadLetterRoutes, api.list, async (c) => {
  const query = c.req.valid("query");
  return c.json({ items: await listDeadLetters(c.env.DB, query.pending === "true", query.limit) });
});

register(deadLetterRoutes, api.replay, async (c) =>
  c.json(await replayDeadLetters(c.env.DB, c.req.valid("query").limit, new Date())),
);
