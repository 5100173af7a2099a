// Notifications to the platform: the endpoint (signing secret shown once), recent deliveries, a test event.
import * as v from "valibot";
import { MAX_ENDPOINT_URL_LENGTH } from "../notifications/endpoint-url";
import { declareRoute } from "./route";

const EndpointBody = v.strictObject({
  url: v.pipe(
    v.string("must be a string"),
    v.trim(),
    v.nonEmpty("is required"),
    v.maxLength(MAX_ENDPOINT_URL_LENGTH, `must be at most ${MAX_ENDPOINT_URL_LENGTH} characters`),
    v.description("the platform's HTTPS endpoint (a public host)"),
  ),
});

const EndpointView = v.strictObject({ url: v.string(), createdAt: v.string(), updatedAt: v.string() });
const EndpointWithSecret = v.strictObject({
  ...EndpointView.entries,
  secret: v.pipe(
    v.optional(v.string()),
    v.description("the signing secret (whsec_...): only in the answer that made it, never again"),
  ),
});

const Delivery = v.strictObject({
  id: v.pipe(v.string(), v.description("the Standard Webhooks `webhook-id`: the same on every retry")),
  type: v.string(),
  state: v.picklist(["pending", "delivered", "failed"]),
  attempts: v.number(),
  createdAt: v.string(),
  lastAttemptAt: v.nullable(v.string()),
  nextAttemptAt: v.nullable(v.string()),
  lastStatus: v.pipe(v.nullable(v.number()), v.description("the endpoint's HTTP status; null when it did not answer")),
  lastError: v.nullable(v.string()),
});

export const notificationsApi = {
  get: declareRoute({
    method: "get",
    path: "/v1/notifications",
    tag: "Notifications",
    summary: "The notification endpoint (without its secret) and the 20 newest notifications with their delivery state",
    auth: "tenant",
    responses: {
      200: {
        description: "Endpoint and recent deliveries",
        body: v.strictObject({ endpoint: v.nullable(EndpointView), deliveries: v.array(Delivery) }),
      },
    },
  }),
  putEndpoint: declareRoute({
    method: "put",
    path: "/v1/notifications/endpoint",
    tag: "Notifications",
    summary:
      "Sets the endpoint that receives address.suppressed, address.reactivated and deliverability.changed, signed as Standard Webhooks; a new endpoint's answer carries its signing secret (once), a changed URL keeps the secret",
    auth: "tenant",
    body: EndpointBody,
    responses: {
      200: { description: "The endpoint (secret only when new)", body: EndpointWithSecret },
      400: "`validation_failed`: `fields.url` says why (not https, not a public host, credentials in it)",
    },
  }),
  rotate: declareRoute({
    method: "post",
    path: "/v1/notifications/endpoint/rotate",
    tag: "Notifications",
    summary: "Replaces the signing secret at once and answers the new one (once)",
    auth: "tenant",
    responses: {
      200: { description: "The endpoint with its new secret", body: EndpointWithSecret },
      404: "`not_configured`: no endpoint is set",
    },
  }),
  deleteEndpoint: declareRoute({
    method: "delete",
    path: "/v1/notifications/endpoint",
    tag: "Notifications",
    summary: "Stops notifications: removes the endpoint; notifications not yet delivered are given up",
    auth: "tenant",
    responses: { 204: "Removed", 404: "`not_configured`: no endpoint is set" },
  }),
  test: declareRoute({
    method: "post",
    path: "/v1/notifications/test",
    tag: "Notifications",
    summary: "Sends a `test` notification now (retried like any other when it fails) and answers its delivery",
    auth: "tenant",
    responses: {
      200: { description: "The test notification's delivery after the first attempt", body: Delivery },
      404: "`not_configured`: no endpoint is set",
      429: "`rate_limited`: more than 10 test notifications in a minute",
    },
  }),
};
