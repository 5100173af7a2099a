// Unauthenticated service routes and the dashboard page.
import { declareRoute } from "./route";

export const serviceApi = {
  health: declareRoute({
    method: "get",
    path: "/health",
    tag: "Service",
    summary: "Liveness and configuration check",
    auth: "none",
    responses: { 200: "The service is up", 503: "A secret or variable is missing or malformed" },
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
