// Unauthenticated service routes and the dashboard page.
import * as v from "valibot";
import { declareRoute } from "./route";

export const serviceApi = {
  health: declareRoute({
    method: "get",
    path: "/health",
    tag: "Service",
    summary: "Liveness and configuration check",
    auth: "none",
    responses: {
      200: { description: "The service is up", body: v.strictObject({ ok: v.literal(true) }) },
      503: "A secret or variable is missing or malformed (`{ok: false, error}`)",
    },
  }),
  openapi: declareRoute({
    method: "get",
    path: "/openapi.json",
    tag: "Service",
    summary: "This document",
    auth: "none",
    responses: { 200: "OpenAPI 3.1 document" },
  }),
  dashboard: declareRoute({
    method: "get",
    path: "/",
    tag: "Dashboard",
    summary: "The dashboard (HTML; its script and stylesheet are under /assets/). Sign in with a tenant access token",
    auth: "none",
    responses: { 200: "The dashboard page" },
  }),
};
