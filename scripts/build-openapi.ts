// Writes src/generated/openapi.json from the route declarations (src/schemas/: method, path, summary, auth,
// and the valibot schemas of path parameters, query and body that the Worker validates requests with).
// Run by `npm run openapi` and by wrangler's [build] command; the Worker imports the JSON, not the converter.
import { mkdirSync, writeFileSync } from "node:fs";
import { toJsonSchema } from "@valibot/to-json-schema";
import type * as v from "valibot";
import { deadLettersApi } from "../src/schemas/dead-letters.ts";
import { deliverabilityApi } from "../src/schemas/deliverability.ts";
import { emailSettingsApi } from "../src/schemas/email-settings.ts";
import { notificationsApi } from "../src/schemas/notifications.ts";
import { postmarkConnectionApi } from "../src/schemas/postmark-connection.ts";
import { callbackUrlApi, webhookReceiverApi } from "../src/schemas/postmark-webhook.ts";
import type { Auth, RouteDeclaration } from "../src/schemas/route.ts";
import { serviceApi } from "../src/schemas/service.ts";
import { reportsApi, suppressionsApi } from "../src/schemas/suppressions.ts";
import { tenantsApi } from "../src/schemas/tenants.ts";
import { testEmailApi } from "../src/schemas/test-email.ts";

const declarations: RouteDeclaration[] = [
  serviceApi,
  tenantsApi,
  deadLettersApi,
  emailSettingsApi,
  testEmailApi,
  callbackUrlApi,
  postmarkConnectionApi,
  webhookReceiverApi,
  suppressionsApi,
  reportsApi,
  deliverabilityApi,
  notificationsApi,
].flatMap((api) => Object.values(api));

const errorSchema = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message"],
      properties: {
        code: { type: "string", description: "snake_case error code" },
        message: { type: "string", description: "one sentence a person can act on" },
        fields: {
          type: "object",
          additionalProperties: { type: "string" },
          description: "validation problems by field",
        },
      },
    },
  },
};

const security: Record<Auth, Record<string, never[]>[]> = {
  none: [],
  admin: [{ adminToken: [] }],
  tenant: [{ tenantToken: [] }],
  webhook: [{ webhookBasic: [] }],
};

// Transforms and checks have no JSON Schema form; what they accept is in their messages and descriptions.
// The document is OpenAPI 3.1 (JSON Schema 2020-12 throughout): no per-schema "$schema" dialect.
function jsonSchema(schema: v.GenericSchema) {
  const { $schema: _, ...rest } = toJsonSchema(schema, { errorMode: "ignore" });
  return rest;
}

/** The fields of an object schema, also when it is the first step of a pipe (as the report's query is). */
function objectEntries(schema: v.GenericSchema): Record<string, v.GenericSchema> {
  const s = schema as { entries?: Record<string, v.GenericSchema>; pipe?: v.GenericSchema[] };
  const entries = s.entries ?? (s.pipe?.[0] as { entries?: Record<string, v.GenericSchema> } | undefined)?.entries;
  if (!entries) throw new Error("a params or query schema must be an object schema");
  return entries;
}

function parameters(route: RouteDeclaration) {
  const inPath = [...route.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
    name,
    in: "path",
    required: true,
    schema: { type: "string" },
  }));
  const inQuery = Object.entries(route.query ? objectEntries(route.query) : {}).map(([name, schema]) => {
    const { description, ...rest } = jsonSchema(schema) as { description?: string };
    return {
      name,
      in: "query",
      required: schema.type !== "optional",
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
  return [...inPath, ...inQuery];
}

const errorContent = { "application/json": { schema: { $ref: "#/components/schemas/Error" } } };

const paths: Record<string, Record<string, unknown>> = {};
for (const route of declarations) {
  const responses: Record<string, unknown> = {};
  for (const [status, answer] of Object.entries(route.responses)) {
    const { description, body } = typeof answer === "string" ? { description: answer, body: undefined } : answer;
    const content = Number(status) >= 400 ? errorContent : body && { "application/json": { schema: jsonSchema(body) } };
    responses[status] = content ? { description, content } : { description };
  }
  if (route.body)
    responses["415"] ??= {
      description: "`unsupported_media_type`: the body is not application/json or application/*+json (UTF-8)",
      content: errorContent,
    };
  if (route.auth !== "none")
    responses["401"] ??= { description: "Missing or invalid credentials", content: errorContent };

  paths[route.path] ??= {};
  paths[route.path]![route.method] = {
    tags: [route.tag],
    summary: route.summary,
    security: security[route.auth],
    parameters: parameters(route),
    ...(route.body
      ? {
          requestBody: {
            required: !route.bodyOptional,
            content: { "application/json": { schema: jsonSchema(route.body) } },
          },
        }
      : {}),
    responses,
  };
}

const document = {
  openapi: "3.1.0",
  info: {
    title: "Postmark edge",
    version: "1",
    description: "Tenant Postmark settings, test sends, bounce webhooks, suppressions and the bounce report.",
  },
  components: {
    securitySchemes: {
      adminToken: { type: "http", scheme: "bearer", description: "The operator's ADMIN_TOKEN" },
      tenantToken: { type: "http", scheme: "bearer", description: "A tenant access token" },
      webhookBasic: {
        type: "http",
        scheme: "basic",
        description: "The tenant's webhook credentials (GET /v1/email/webhook)",
      },
    },
    schemas: { Error: errorSchema },
  },
  paths,
};

mkdirSync(new URL("../src/generated/", import.meta.url), { recursive: true });
writeFileSync(new URL("../src/generated/openapi.json", import.meta.url), `${JSON.stringify(document, null, 2)}\n`);
console.log(`openapi: ${declarations.length} operations -> src/generated/openapi.json`);
