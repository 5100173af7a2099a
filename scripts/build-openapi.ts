// Writes src/generated/openapi.json from src/openapi/operations.ts and the valibot request schemas.
// Run by the predev / pretest / predeploy scripts; the Worker imports the JSON, not the converter.
import { mkdirSync, writeFileSync } from "node:fs";
import { toJsonSchema } from "@valibot/to-json-schema";
import { operations } from "../src/openapi/operations.ts";

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

const security = {
  none: [],
  admin: [{ adminToken: [] }],
  tenant: [{ tenantToken: [] }],
  webhook: [{ webhookBasic: [] }],
};

const paths: Record<string, Record<string, unknown>> = {};
for (const op of operations) {
  const pathParams = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
    name: m[1],
    in: "path",
    required: true,
    schema: { type: "string" },
  }));
  const queryParams = Object.entries(op.query ?? {}).map(([name, description]) => ({
    name,
    in: "query",
    required: false,
    description,
    schema: { type: "string" },
  }));
  const responses: Record<string, unknown> = {};
  for (const [status, description] of Object.entries(op.responses)) {
    responses[status] =
      Number(status) >= 400
        ? { description, content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } }
        : { description };
  }
  if (op.body)
    responses["415"] ??= {
      description: "`unsupported_media_type`: the body is not application/json or application/*+json (UTF-8)",
      content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
    };
  if (op.auth !== "none")
    responses["401"] ??= {
      description: "Missing or invalid credentials",
      content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
    };

  paths[op.path] ??= {};
  const pathItem = paths[op.path] as NonNullable<(typeof paths)[string]>;
  pathItem[op.method] = {
    tags: [op.tag],
    summary: op.summary,
    security: security[op.auth],
    parameters: [...pathParams, ...queryParams],
    ...(op.body
      ? {
          requestBody: {
            required: !op.bodyOptional,
            content: { "application/json": { schema: toJsonSchema(op.body, { errorMode: "ignore" }) } },
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
console.log(`openapi: ${operations.length} operations -> src/generated/openapi.json`);
