// Checking a Server API token and a message stream with Postmark before they are saved.
import type { PostmarkVerification } from "../../db/postmark-connections";
import {
  isAccountToken,
  PostmarkRefused,
  type PostmarkServer,
  type PostmarkStream,
  PostmarkUnavailable,
  postmarkApi,
} from "./client";

type VerifyEnv = Parameters<typeof postmarkApi>[0];

export type VerifyOutcome =
  /** Postmark knows the token and the stream is an outbound stream of its server. */
  | { kind: "verified"; verification: PostmarkVerification }
  /** Postmark refused the token or the stream: field messages for a 400 validation_failed; nothing is saved. */
  | { kind: "refused"; fields: Record<string, string> }
  /** Postmark could not be asked: the settings are saved, unverified, with the reason. */
  | { kind: "unverified"; verification: PostmarkVerification };

function streamProblem(stream: PostmarkStream, server: PostmarkServer): string | null {
  if (stream.MessageStreamType === "Inbound") {
    return `is an Inbound stream of server "${server.Name}": choose an outbound stream (Transactional or Broadcasts)`;
  }
  if (stream.ArchivedAt) return `is archived on server "${server.Name}": choose an active stream`;
  return null;
}

/**
 * Asks Postmark for the token's server and the stream (both at once, so a save waits for one call's bound),
 * and says what that means for the save.
 */
export async function verifyPostmarkSettings(
  env: VerifyEnv,
  token: string,
  streamId: string,
  now = new Date(),
): Promise<VerifyOutcome> {
  const api = postmarkApi(env, token);
  const [server, stream] = await Promise.allSettled([api.getServer(), api.getStream(streamId)]);
  const checkedAt = now.toISOString();

  if (server.status === "rejected") {
    const err = server.reason;
    if (err instanceof PostmarkRefused) {
      const accountToken = err.status === 401 && (await isAccountToken(env, token));
      return {
        kind: "refused",
        fields: {
          apiKey: accountToken
            ? "is an Account token: Postmark needs a Server API token here (Servers -> your server -> API Tokens)"
            : `was refused by Postmark (ErrorCode ${err.errorCode}: ${err.message}): copy the Server API token from Servers -> your server -> API Tokens`,
        },
      };
    }
    return { kind: "unverified", verification: unverified(err, checkedAt) };
  }

  if (stream.status === "rejected") {
    const err = stream.reason;
    if (err instanceof PostmarkRefused) {
      return {
        kind: "refused",
        fields: {
          messageStream: `does not exist on server "${server.value.Name}" (Postmark: ${err.message}): pick one of its outbound streams`,
        },
      };
    }
    return { kind: "unverified", verification: unverified(err, checkedAt) };
  }

  const problem = streamProblem(stream.value, server.value);
  if (problem) return { kind: "refused", fields: { messageStream: problem } };
  return {
    kind: "verified",
    verification: {
      verified: true,
      serverId: server.value.ID,
      serverName: server.value.Name,
      reason: null,
      checkedAt,
    },
  };
}

function unverified(err: unknown, checkedAt: string): PostmarkVerification {
  if (!(err instanceof PostmarkUnavailable)) throw err;
  return {
    verified: false,
    serverId: null,
    serverName: null,
    reason: `Postmark could not be reached (${err.reason}); the settings are saved but not verified`,
    checkedAt,
  };
}
