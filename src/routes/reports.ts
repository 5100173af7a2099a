// Reports (issue 4): routes to be built.
import { Hono } from "hono";
import type { AppEnv } from "../http/app-env";

export const reportRoutes = new Hono<AppEnv>();
