import * as v from "valibot";
import { STREAM_ID } from "../model/suppression";
import { UNSAFE_IN_TEXT } from "../text";

// Building blocks shared by the request schemas. Messages complete the sentence "<field> ...".

const NO_LINE_BREAKS = /^[^\r\n]*$/;
const EMAIL =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
const HOSTNAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** A one-line text (no CR or LF, so it is safe in a mail header; see UNSAFE_IN_TEXT), trimmed, up to `max` characters. */
export const singleLineText = (max: number) =>
  v.pipe(
    v.string("must be a string"),
    v.regex(NO_LINE_BREAKS, "must not contain line breaks"),
    v.check(
      (text) => !UNSAFE_IN_TEXT.test(text),
      "must not contain control characters, bidirectional overrides or broken Unicode",
    ),
    v.trim(),
    v.maxLength(max, `must be at most ${max} characters`),
  );

/** An ASCII email address fit for an SMTP envelope; trimmed and checked for line breaks first. */
export const emailAddress = v.pipe(
  v.string("must be a string"),
  v.regex(NO_LINE_BREAKS, "must not contain line breaks"),
  v.trim(),
  v.nonEmpty("must not be empty"),
  v.maxLength(254, "must be at most 254 characters"),
  v.regex(EMAIL, "must be a valid email address such as name@example.com"),
);

/** A host name, lower-cased (host names compare case-insensitively; the saved host is compared to others). */
export const hostname = v.pipe(
  v.string("must be a string"),
  v.regex(NO_LINE_BREAKS, "must not contain line breaks"),
  v.trim(),
  v.nonEmpty("must not be empty"),
  v.maxLength(253, "must be at most 253 characters"),
  v.regex(HOSTNAME, "must be a host name such as smtp.postmarkapp.com"),
  v.toLowerCase(),
);

export const port = v.pipe(
  v.number("must be a number"),
  v.integer("must be a whole number"),
  v.minValue(1, "must be between 1 and 65535"),
  v.maxValue(65535, "must be between 1 and 65535"),
);

/** A Postmark message stream id, e.g. "outbound" or "broadcast". */
export const messageStream = v.pipe(
  v.string("must be a string"),
  v.regex(NO_LINE_BREAKS, "must not contain line breaks"),
  v.trim(),
  v.regex(STREAM_ID, "must be a message stream id such as outbound (letters, digits, - and _)"),
);
