// The two ways a Postmark API call fails (src/http/errors.ts turns each into an answer).

/** Postmark answered 4xx: it understood the request and refused it (bad token, unknown stream, ...). */
export class PostmarkRefused extends Error {
  override readonly name = "PostmarkRefused";
  constructor(
    readonly status: number,
    /** Postmark's `ErrorCode` (10: bad or missing token; 1226: unknown stream; 0 when the body had none). */
    readonly errorCode: number,
    /** Postmark's `Message`, with the token taken out should Postmark ever repeat it. */
    message: string,
  ) {
    super(message);
  }
}

/** Postmark could not be asked: network error, timeout, 5xx, 429 or an answer that is not Postmark's JSON. */
export class PostmarkUnavailable extends Error {
  override readonly name = "PostmarkUnavailable";
  constructor(readonly reason: string) {
    super(reason);
  }
}
