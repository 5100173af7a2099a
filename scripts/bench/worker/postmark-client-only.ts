// Bench 4's measure of the Postmark API client's share of the bundle: a Worker that imports only the client
// (every method used, so nothing is dropped) and its error classes, built by wrangler like the real one.
import { isAccountToken, postmarkApi } from "../../../src/postmark/api/client";

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const api = postmarkApi(env, request.headers.get("X-Token") ?? "");
    return Response.json([
      await api.getServer(),
      await api.listStreams(),
      await api.getStream("outbound"),
      await api.listWebhooks("outbound"),
      await api.createWebhook({}),
      await api.updateWebhook(1, {}),
      await api.deleteWebhook(1),
      await api.dumpSuppressions("outbound"),
      await api.createSuppressions("outbound", []),
      await api.deleteSuppressions("outbound", []),
      await isAccountToken(env, ""),
    ]);
  },
} satisfies ExportedHandler<Env>;
