// One bound on how long anything may take, whatever the other side does.

/**
 * `work`, or the error `onTimeout` makes once `ms` have passed (called then, so it can describe the state
 * at that moment). The timer is cleared either way, so a settled race leaves nothing running.
 */
export async function withDeadline<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
