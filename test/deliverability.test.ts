// The deliverability guard (issue 17): whose fault a bounce is, the soft-bounce policy, rates against what
// Postmark sent with thresholds and a state, and signed notifications to the platform.
import { describe, expect, it } from "vitest";
import * as fx from "./fixtures/postmark-events";
import { createTenantWithWebhook, deliver, report, suppressionOf, suppressionRows } from "./postmark-helpers";

describe("bounces the sender caused", () => {
  it("never suppress the recipient, even marked Inactive, and the report shows them apart", async () => {
    const tenant = await createTenantWithWebhook();
    const types = ["Blocked", "DMARCPolicy", "SMTPApiError", "TemplateRenderingFailed"];
    for (const [i, type] of types.entries()) {
      await deliver(tenant, fx.bounce(900 + i, "reader@example.com", `2026-03-0${i + 1}T10:00:00Z`, type, true));
    }
    await deliver(tenant, fx.bounce(910, "gone@example.com", "2026-03-05T10:00:00Z", "HardBounce", true));

    expect(await suppressionOf(tenant, "reader@example.com")).toBeNull();
    expect((await suppressionRows(tenant.id)).map((r) => r.email)).toEqual(["gone@example.com"]);
    const counts = await report(tenant);
    expect(counts).toMatchObject({ total: 5, bySource: { recipient: 1, sender: 4 } });
    expect(counts.byType).toEqual({
      Blocked: 1,
      DMARCPolicy: 1,
      SMTPApiError: 1,
      TemplateRenderingFailed: 1,
      HardBounce: 1,
    });
  });
});
