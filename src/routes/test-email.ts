// Test email (issue 3): routes to be built.
import { Hono } from "hono";
import type { AppEnv } from "../http/app-env";

export const testEmailRoutes = new Hono<AppEnv>();
