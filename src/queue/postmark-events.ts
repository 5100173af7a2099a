// Postmark events through a Cloudflare Queue (issue 15): the webhook route sends each event to store as one
// message; this consumer commits a whole batch (up to 100 events) in one D1 batch, so the write cost is one
// transaction per batch rather than per event, and an outage of D1 only delays events (the queue keeps them).

import { keepDeadLetterStatement } from "../db/dead-letters";
import { eventStatements, type Receipt } from "../db/postmark-events";
import { logError } from "../http/errors";
import type { PostmarkEvent } from "../postmark/classify";

/** Queue names (wrangler.toml): the queue() handler tells the batches apart by them. */
export const EVENTS_QUEUE_NAME = "postmark-events";
export const DEAD_LETTER_QUEUE_NAME = "postmark-events-dead";

/** What the consumer needs to store one event: as eventStatements takes it. */
export interface EventMessage {
  tenantId: string;
  event: PostmarkEvent;
  receipt: Receipt;
}

/** What the dead-letter queue carries: the message and why it could not be stored. */
export interface DeadLetterMessage {
  message: EventMessage;
  lastError: string;
  attempts: number;
}

/** Queues refuse messages over 128 KB; larger ones (a big audit copy) are committed directly by the route. */
export const MAX_MESSAGE_BYTES = 120_000;

/** Attempts before a message is dead-lettered with its last error; max_retries in wrangler.toml is the same. */
export const EVENT_MAX_RETRIES = 10;

/** Backoff between attempts: 5 s doubling, at most 5 minutes (10 attempts span about 25 minutes). */
export const retryDelaySeconds = (attempts: number) => Math.min(5 * 2 ** Math.max(0, attempts - 1), 300);

export const describeError = (err: unknown) => (err instanceof Error ? `${err.name}: ${err.message}` : String(err));

/** A message body as this version sends it; anything else is dead-lettered at once (it can never be stored). */
export function isEventMessage(body: unknown): body is EventMessage {
  const m = body as Partial<EventMessage> | null;
  return (
    typeof m === "object" &&
    m !== null &&
    typeof m.tenantId === "string" &&
    typeof m.event === "object" &&
    m.event !== null &&
    typeof m.event.key === "string" &&
    typeof m.receipt === "object" &&
    m.receipt !== null &&
    typeof m.receipt.id === "string" &&
    typeof m.receipt.receivedAt === "string"
  );
}

/**
 * Commits a batch of event messages to `db`: all in one D1 batch (one transaction); when that fails, each
 * message alone, so one poison message does not hold back its neighbours. A message that still fails is
 * retried with backoff, and after EVENT_MAX_RETRIES attempts sent to `deadLetters` with its last error.
 * Every statement is idempotent, so a redelivered message (Queues deliver at least once) changes nothing.
 */
export async function consumeEvents(
  batch: MessageBatch<unknown>,
  db: D1Database,
  deadLetters: Queue<DeadLetterMessage>,
): Promise<{ committedTogether: number }> {
  const valid: { msg: Message<unknown>; statements: D1PreparedStatement[] }[] = [];
  for (const msg of batch.messages) {
    if (!isEventMessage(msg.body)) {
      logError("queue message is not an event", new Error(`message ${msg.id}`));
      msg.ack(); // nothing can store it, and it holds no event of this version: nothing to keep
      continue;
    }
    valid.push({ msg, statements: eventStatements(db, msg.body.tenantId, msg.body.event, msg.body.receipt) });
  }
  if (valid.length === 0) return { committedTogether: 0 };
  try {
    await db.batch(valid.flatMap((v) => v.statements));
    for (const v of valid) v.msg.ack();
    return { committedTogether: valid.length };
  } catch (batchError) {
    if (valid.length > 1) logError("event batch failed; committing each message alone", batchError);
    for (const v of valid) {
      try {
        await db.batch(v.statements);
        v.msg.ack();
      } catch (error) {
        await retryOrDeadLetter(v.msg as Message<EventMessage>, error, deadLetters);
      }
    }
    return { committedTogether: 0 };
  }
}

async function retryOrDeadLetter(msg: Message<EventMessage>, error: unknown, deadLetters: Queue<DeadLetterMessage>) {
  if (msg.attempts < EVENT_MAX_RETRIES) {
    msg.retry({ delaySeconds: retryDelaySeconds(msg.attempts) });
    return;
  }
  try {
    await deadLetters.send({ message: msg.body, lastError: describeError(error), attempts: msg.attempts });
    msg.ack();
  } catch (sendError) {
    // Not acked unkept: the platform's dead_letter_queue (wrangler.toml) takes it after max_retries.
    logError("dead-letter send failed", sendError);
    msg.retry({ delaySeconds: retryDelaySeconds(msg.attempts) });
  }
}

/**
 * Keeps dead letters in D1 (table dead_letters) for the operator. A body that is a bare event message was
 * dead-lettered by the platform (max_retries reached without this code's own dead-lettering). When D1 is
 * down the whole batch is retried: nothing is acked unstored.
 */
export async function keepDeadLetters(batch: MessageBatch<unknown>, db: D1Database, now = new Date()): Promise<void> {
  const statements: D1PreparedStatement[] = [];
  for (const msg of batch.messages) {
    const body = msg.body as Partial<DeadLetterMessage>;
    const letter: DeadLetterMessage | null = isEventMessage(body?.message)
      ? { message: body.message, lastError: String(body.lastError ?? ""), attempts: Number(body.attempts ?? 0) }
      : isEventMessage(msg.body)
        ? { message: msg.body, lastError: "retries exhausted (see the consumer's log)", attempts: msg.attempts }
        : null;
    if (letter) statements.push(keepDeadLetterStatement(db, letter, now));
    else logError("dead letter is not an event", new Error(`message ${msg.id}`));
  }
  try {
    if (statements.length > 0) await db.batch(statements);
    batch.ackAll();
  } catch (error) {
    logError("dead letters could not be kept", error);
    for (const msg of batch.messages) msg.retry({ delaySeconds: retryDelaySeconds(msg.attempts) });
  }
}
