import * as v from "valibot";

/** How long credentials rotated out keep working when the request does not say. */
export const DEFAULT_OVERLAP_HOURS = 24;

/** The optional body of POST /v1/email/webhook/rotate. */
export const WebhookRotateInput = v.object({
  /** 0 revokes the previous credentials at once (leaked ones); up to 24 while Postmark's URL is being replaced. */
  overlapHours: v.optional(
    v.pipe(
      v.number("must be a number of hours from 0 to 24"),
      v.integer("must be a whole number of hours from 0 to 24"),
      v.minValue(0, "must be a number of hours from 0 to 24"),
      v.maxValue(DEFAULT_OVERLAP_HOURS, "must be a number of hours from 0 to 24"),
    ),
    DEFAULT_OVERLAP_HOURS,
  ),
});
