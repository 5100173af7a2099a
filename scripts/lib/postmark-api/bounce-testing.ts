// Postmark's bounce testing: a message to `<BounceType>@bounce-testing.postmarkapp.com` (case-insensitive)
// produces that bounce, posted to the stream's webhooks like a real one. All types but SpamComplaint.

export const BOUNCE_TESTING_DOMAIN = "bounce-testing.postmarkapp.com";

const BOUNCE_TYPES: Record<string, { code: number; name: string; description: string }> = {
  HardBounce: {
    code: 1,
    name: "Hard bounce",
    description: "The server was unable to deliver your message (ex: unknown user, mailbox not found).",
  },
  Transient: {
    code: 2,
    name: "Message delayed",
    description: "The server could not temporarily deliver your message.",
  },
  Unsubscribe: { code: 16, name: "Unsubscribe request", description: "Unsubscribe or Remove request." },
  Subscribe: {
    code: 32,
    name: "Subscribe request",
    description: "Subscribe request from someone wanting to get added.",
  },
  AutoResponder: { code: 64, name: "Auto responder", description: "Automatic email responder (ex: Out of Office)." },
  AddressChange: { code: 128, name: "Address change", description: "The recipient has requested an address change." },
  DnsError: { code: 256, name: "DNS error", description: "A temporary DNS error." },
  SpamNotification: {
    code: 512,
    name: "Spam notification",
    description: "The message was delivered, but was either blocked by the user, or classified as spam.",
  },
  OpenRelayTest: {
    code: 1024,
    name: "Open relay test",
    description: "The NDR is actually a test email message to see if the mail server is an open relay.",
  },
  Unknown: { code: 2048, name: "Unknown", description: "Unable to classify the NDR." },
  SoftBounce: {
    code: 4096,
    name: "Soft bounce/Undeliverable",
    description:
      "Unable to temporarily deliver message (i.e. mailbox full, account disabled, exceeds quota, out of disk space).",
  },
  VirusNotification: {
    code: 8192,
    name: "Virus notification",
    description: "The bounce is actually a virus notification warning about a virus/code infected message.",
  },
  ChallengeVerification: {
    code: 16384,
    name: "Spam challenge verification",
    description: "The bounce is a challenge asking for verification you actually sent the email.",
  },
  BadEmailAddress: {
    code: 100000,
    name: "Invalid email address",
    description: "The address is not a valid email address.",
  },
  ManuallyDeactivated: {
    code: 100002,
    name: "Manually deactivated",
    description: "The email was manually deactivated.",
  },
  Unconfirmed: {
    code: 100003,
    name: "Registration not confirmed",
    description: "The subscriber has not clicked on the confirmation link upon registration or import.",
  },
  Blocked: { code: 100006, name: "ISP block", description: "Blocked from this ISP due to content or blacklisting." },
  SMTPApiError: {
    code: 100007,
    name: "SMTP API error",
    description: "An error occurred while accepting an email through the SMTP API.",
  },
  InboundError: {
    code: 100008,
    name: "Processing failed",
    description: "Unable to deliver inbound message to destination inbound hook.",
  },
  DMARCPolicy: { code: 100009, name: "DMARC Policy", description: "Email rejected due DMARC Policy." },
  TemplateRenderingFailed: {
    code: 100010,
    name: "Template rendering failed",
    description: "An error occurred while attempting to render your template.",
  },
};

const BY_LOWER_NAME = new Map(Object.keys(BOUNCE_TYPES).map((type) => [type.toLowerCase(), type]));

/** The bounce type a bounce-testing address asks for, or null for any other address. */
export function bounceTestingType(email: string): string | null {
  const at = email.lastIndexOf("@");
  if (at < 0 || email.slice(at + 1).toLowerCase() !== BOUNCE_TESTING_DOMAIN) return null;
  return BY_LOWER_NAME.get(email.slice(0, at).toLowerCase()) ?? null;
}

/** A known bounce type's canonical spelling (case-insensitive), or null. */
export function bounceType(type: string): string | null {
  return BY_LOWER_NAME.get(type.toLowerCase()) ?? null;
}

// Bounce IDs are 64-bit and above 2^53, as Postmark's own example: written into the JSON text exactly.
let nextBounceId = 4_323_372_036_854_000_000n;

/** A Bounce webhook body shaped like Postmark's published sample. */
export function bounceBody(init: {
  serverId: number;
  stream: string;
  type: string;
  email: string;
  from?: string;
  subject?: string;
  messageId: string;
  bouncedAt: string;
}): string {
  const info = BOUNCE_TYPES[init.type]!;
  const id = nextBounceId++;
  const body = JSON.stringify({
    RecordType: "Bounce",
    MessageStream: init.stream,
    ID: "__ID__",
    Type: init.type,
    TypeCode: info.code,
    Name: info.name,
    Tag: "",
    MessageID: init.messageId,
    Metadata: {},
    ServerID: init.serverId,
    Description: info.description,
    Details: `Test bounce details (bounce testing, ${init.type})`,
    Email: init.email,
    From: init.from ?? "",
    BouncedAt: init.bouncedAt,
    DumpAvailable: false,
    Inactive: init.type === "HardBounce",
    CanActivate: true,
    Subject: init.subject ?? "",
  });
  return body.replace('"ID":"__ID__"', `"ID":${id}`);
}
