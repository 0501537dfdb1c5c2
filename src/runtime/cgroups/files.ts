// Reading and writing cgroupfs control files.
// cgroupfs lives in kernel memory: a read, mkdir or rmdir there returns within microseconds, far sooner than
// a round trip through libuv's threadpool (readFile alone makes four), so those calls are synchronous. A write
// may make the kernel work before it returns (a memory limit below the usage reclaims memory first), so a
// write to a cgroup that holds processes goes through the threadpool; writes to a new, empty one need not.
import { closeSync, constants, openSync, readFileSync, writeSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";

export function isErrno(err: unknown, code: string): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === code;
}

export function readControl(file: string): string {
  return readFileSync(file, "utf8").trim();
}

/** The file's content, or undefined when this kernel or hierarchy does not offer it. */
export function readOptional(file: string): string | undefined {
  try {
    return readControl(file);
  } catch (err) {
    if (isErrno(err, "ENOENT")) return undefined;
    throw err;
  }
}

/** Never O_CREAT: a control file the kernel does not offer must fail with ENOENT, not appear as a plain file. */
const WRITE_FLAGS = constants.O_WRONLY | constants.O_TRUNC;

/** One value in one write(). Write-only files (devices.allow) refuse O_RDWR, hence O_WRONLY. */
export async function writeControl(file: string, value: string): Promise<void> {
  await writeFile(file, value, { flag: WRITE_FLAGS });
}

/** {@link writeControl} for writes the kernel answers at once: to a cgroup no process has joined, cgroup.kill. */
export function writeControlSync(file: string, value: string): void {
  const fd = openSync(file, WRITE_FLAGS);
  try {
    writeSync(fd, value);
  } finally {
    closeSync(fd);
  }
}

/** "key value" lines (memory.stat, cpu.stat, memory.events, ...) as numbers. */
export function parseKeyedLines(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value !== undefined) out.set(key, Number(value));
  }
  return out;
}

/** Process ids listed in a cgroup.procs file (empty when the directory is gone). */
export function readPids(procsFile: string): number[] {
  const text = readOptional(procsFile);
  return text ? text.split("\n").map(Number) : [];
}

/**
 * Re-checks with a growing pause (1 ms doubling to 32 ms) until `check` holds. Used where the kernel gives
 * no notification (v1 freezer.state, rmdir while dying tasks leave) and settling usually takes a few ms.
 */
export async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let pause = 1; !(await check()); pause = Math.min(pause * 2, 32)) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await sleep(pause);
  }
}
