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
  }
}
