// Suppressions (issue 4): routes to be built.
import { Hono } from "hono";
import type { AppEnv } from "../http/app-env";

export const suppressionRoutes = new Hono<AppEnv>();
