// `npm run sample:bounce [-- address]`: with `npm run dev` running, posts a Postmark hard bounce to the demo
// tenant's callback URL (with its Basic credentials), waits until the queue consumer has committed it, then shows
// the address suppressed and counted.
import { randomInt } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const base = `http://127.0.0.1:${Number(process.env.PORT ?? 8787)}`;
const email = process.argv[2] ?? "Sample.Bounce@Example.com";

async function main() {
  const demoFile = path.join(root, ".dev", "demo-tenant.json");
  if (!existsSync(demoFile)) throw new Error("no demo tenant yet: start `npm run dev` first (same PORT)");
  const { token } = JSON.parse(readFileSync(demoFile, "utf8")) as { token: string };
  const auth = { Authorization: `Bearer ${token}` };

  const webhook = await fetch(`${base}/v1/email/webhook`, { headers: auth });
  if (!webhook.ok)
    throw new Error(`GET /v1/email/webhook answered ${webhook.status}: is \`npm run dev\` running on ${base}?`);
  const { url, username, password } = (await webhook.json()) as { url: string; username: string; password: string };

  // Shaped like Postmark's published bounce webhook; the ID above 2^53 must arrive exact.
  const id = `43233720${String(randomInt(1e9)).padStart(11, "0")}`;
  const body = `{"RecordType":"Bounce","MessageStream":"outbound","ID":${id},"Type":"HardBounce","TypeCode":1,
    "Name":"Hard bounce","MessageID":"${crypto.randomUUID()}","ServerID":23,"Description":"The server was unable to deliver your message.",
    "Details":"smtp;550 5.1.1 The email account that you tried to reach does not exist.","Email":${JSON.stringify(email)},
    "From":"hello@demo.example","BouncedAt":"${new Date().toISOString()}","DumpAvailable":false,"Inactive":true,"CanActivate":true,
    "Subject":"Sample bounce"}`;
  const posted = await fetch(url, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      Authorization: `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`,
    },
    body,
  });
  console.log(`POST ${url}  (Basic ${username}:…)  -> ${posted.status} ${await posted.text()}`);

  // "queued": the queue consumer commits it within seconds, so wait for it to be visible rather than assume it.
  const lookup = `${base}/v1/suppressions/${encodeURIComponent(email)}`;
  let suppression = await fetch(lookup, { headers: auth });
  for (let waited = 0; suppression.status === 404 && waited < 30_000; waited += 250) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    suppression = await fetch(lookup, { headers: auth });
  }
  console.log(`GET /v1/suppressions/${email} -> ${suppression.status} ${await suppression.text()}`);
  const report = await fetch(`${base}/v1/reports/bounces`, { headers: auth });
  const { total, byType, spamComplaints, suppressed } = (await report.json()) as Record<string, unknown>;
  console.log(`GET /v1/reports/bounces -> ${JSON.stringify({ total, byType, spamComplaints, suppressed })}`);
}

main().catch((err) => {
  console.error(`sample bounce failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
