// @ts-check
// The dashboard's words for the codes the API answers with: one table, so every view says the same thing.
// The code itself stays visible where it helps (a tooltip, a detail line), never as the only text.

/** Postmark's bounce types (its bounce type table) and subscription change reasons, as a person reads them. */
const BOUNCE_TYPES = {
  HardBounce: "Hard bounce",
  SoftBounce: "Soft bounce",
  Transient: "Temporary failure",
  Unsubscribe: "Unsubscribe request",
  Subscribe: "Subscribe request",
  AutoResponder: "Auto-reply",
  AddressChange: "Address change",
  DnsError: "DNS error",
  SpamNotification: "Spam notification",
  OpenRelayTest: "Open relay test",
  Unknown: "Unknown",
  VirusNotification: "Virus notification",
  ChallengeVerification: "Challenge verification",
  BadEmailAddress: "Invalid address",
  SpamComplaint: "Spam complaint",
  ManuallyDeactivated: "Deactivated by hand",
  Unconfirmed: "Unconfirmed",
  Blocked: "Blocked by the receiver",
  SMTPApiError: "SMTP API error",
  InboundError: "Inbound error",
  DMARCPolicy: "Refused by DMARC policy",
  TemplateRenderingFailed: "Template failed to render",
  // The types of subscription changes (the reason Postmark gives, or the reactivation).
  ManualSuppression: "Suppressed in Postmark",
  Reactivated: "Reactivated",
};

/** The test email's outcome codes (docs/test-email.md), as a person reads them. */
const OUTCOMES = {
  sent: "Sent",
  not_configured: "Not set up",
  recipient_suppressed: "Recipient is on the suppression list",
  connection_failed: "Could not connect",
  tls_failed: "Secure connection failed",
  tls_unavailable: "No secure connection offered",
  auth_failed: "API token refused",
  auth_unavailable: "Server offers no sign-in",
  sender_rejected: "Sender refused",
  recipient_rejected: "Recipient refused",
  message_rejected: "Message refused",
  timeout: "No answer in time",
  smtp_error: "Mail server error",
  rate_limited: "Too many tests",
};

/** A Postmark bounce type in words (an unknown one as it is). */
export const bounceTypeLabel = (/** @type {string} */ type) =>
  /** @type {Record<string, string>} */ (BOUNCE_TYPES)[type] ?? type;

/** A test email's outcome code in words (an unknown one as it is). */
export const outcomeLabel = (/** @type {string} */ code) =>
  /** @type {Record<string, string>} */ (OUTCOMES)[code] ?? code;

/** A UTC day ("2026-12-05") as this browser writes dates, like the date inputs beside it. */
export const dayLabel = (/** @type {string} */ day) =>
  new Date(`${day}T00:00:00Z`).toLocaleDateString(undefined, { timeZone: "UTC" });
