// Values the globalSetup (test/node/smtp-servers.ts) hands to the tests and to the pool's configuration.
import "vitest";

export type SmtpServerName =
  | "postmark"
  | "untouched"
  | "tokenCheck"
  | "noStartTls"
  | "noAuthAfterTls"
  | "untrustedCertificate"
  | "echoesToken"
  | "rejectsSender"
  | "rejectsRecipient"
  | "rejectsMessage"
  | "silent"
  | "stallsMidGreeting"
  | "stallsAfterMessage"
  | "closesAtOnce"
  | "dropsMidMessage"
  | "answersGarbage"
  | "nothingListening";

/** The Postfix services of `npm run test:mta` (test/mta/master.cf), one per behaviour. */
export type MtaServiceName = "submission" | "loginOnly" | "noStartTls" | "noAuth" | "strictHelo" | "refusesHelo";

declare module "vitest" {
  export interface ProvidedContext {
    smtp: {
      /** The certificate the test servers present (except untrustedCertificate); workerd trusts it. */
      caCert: string;
      /** The Server API token the servers accept. */
      token: string;
      ports: Record<SmtpServerName, number>;
      /** Base URL of the Node-side inspector: GET /<server name> -> what that server saw. */
      inspectorUrl: string;
    };
    /** `npm run test:mta` only (test/node/mta.ts): Postfix with Dovecot SASL. */
    mta: {
      /** The certificate Postfix presents; workerd trusts it. */
      caCert: string;
      /** The Server API token Dovecot accepts (user name and password). */
      token: string;
      ports: Record<MtaServiceName, number>;
      /** GET /log?since=N -> {size, text} of Postfix's log; GET /mail?to=addr -> delivered messages, strictly parsed. */
      inspectorUrl: string;
    };
    /** A platform's notification endpoint (test/node/notification-receiver.ts): POST /hooks/<ok|fail|redirect|slow>/..., GET /received?path=. */
    notifications: { url: string };
    /** The local Postmark API stand-in (scripts/lib/postmark-api/); the Worker's POSTMARK_API_URL in tests. */
    postmark: {
      url: string;
      /** An Account token it accepts on GET /servers. */
      accountToken: string;
    };
  }
}
