// The suppression model (src/model/suppression.ts) is declared once; the database schema and the dashboard,
// which cannot import it, must agree with it.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { getSuppression } from "../src/db/suppressions";
import { changeVersion, DEFAULT_STREAM, SUPPRESSION_REASONS } from "../src/model/suppression";
import { call, createTenant } from "./helpers";

describe("the suppression model", () => {
  it("lists exactly its reasons in the suppressions table's CHECK constraint", async () => {
    const table = await env.DB.prepare(
      "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'suppressions'",
    ).first<{ sql: string }>();
    const check = /reason\s+IN\s*\(([^)]*)\)/i.exec(table?.sql ?? "");
    expect(check, "CHECK (reason IN (...)) in migrations/0011_deliverability_guard.sql").not.toBeNull();
    const inDatabase = [...check![1]!.matchAll(/'([^']+)'/g)].map((m) => m[1]);
    expect(new Set(inDatabase)).toEqual(new Set(SUPPRESSION_REASONS));
    expect(inDatabase).toHaveLength(SUPPRESSION_REASONS.length);
  });

  it("gives the dashboard's reason filter one option per reason, besides 'All reasons'", async () => {
    const html = await (await call("/")).text();
    const select = /<select id="suppressions-reason"[^>]*>([\s\S]*?)<\/select>/.exec(html);
    expect(select).not.toBeNull();
    const options = [...select![1]!.matchAll(/<option value="([^"]*)"/g)].map((m) => m[1]);
    expect(options).toEqual(["", ...SUPPRESSION_REASONS]);
  });

  it("orders versions by time, then a suppression over a reactivation at the same instant", () => {
    const at = "2026-11-26T10:00:00.0000000Z";
    const later = "2026-11-26T10:00:00.0000001Z";
    expect(changeVersion(at, "suppress", "api") > changeVersion(at, "reactivate", "api")).toBe(true);
    expect(changeVersion(later, "reactivate", "api") > changeVersion(at, "suppress", "api")).toBe(true);
  });

  it("looks an address up by any spelling, as findSuppression does", async () => {
    const tenant = await createTenant();
    const res = await call("/v1/suppressions", {
      method: "POST",
      token: tenant.token,
      json: { emails: ["ann@example.com"] },
    });
    expect(res.status).toBe(200);
    const found = await getSuppression(env.DB, tenant.id, DEFAULT_STREAM, "  Ann@Example.COM ");
    expect(found).toMatchObject({ email: "ann@example.com", reason: "manual" });
  });
});
