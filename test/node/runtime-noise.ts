// vitest-pool-workers 0.15 passes on workerd's teardown line "disconnected: WebSocket peer disconnected" after
// every test file: normal operation, and noise that hides a real error. The pool filters it itself from 0.16
// on (workers-sdk PR #13833), which needs Node 22 (TOOLCHAIN.md); until then the same exact-message filter
// here, in the main process where the pool prints workerd's output. Nothing else is dropped.
const BENIGN_RUNTIME_LINES = ["disconnected: WebSocket peer disconnected"];

export function dropBenignRuntimeNoise(): void {
  const write = process.stdout.write.bind(process.stdout) as (...args: unknown[]) => boolean;
  process.stdout.write = ((chunk: unknown, ...rest: unknown[]) => {
    const text = typeof chunk === "string" ? chunk : Buffer.isBuffer(chunk) ? chunk.toString("utf8") : "";
    if (text.startsWith("exception = ") && BENIGN_RUNTIME_LINES.some((line) => text.trimEnd().endsWith(line))) {
      return true;
    }
    return write(chunk, ...rest);
  }) as typeof process.stdout.write;
}
