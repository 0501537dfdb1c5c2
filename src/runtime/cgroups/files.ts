// Reading and writing cgroupfs control files.
import { constants } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";

export function isErrno(err: unknown, code: string): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === code;
}

export async function readControl(file: string): Promise<string> {
  return (await readFile(file, "utf8")).trim();
}

/** The file's content, or undefined when this kernel or hierarchy does not offer it. */
export async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await readControl(file);
  } catch (err) {
    if (isErrno(err, "ENOENT")) return undefined;
    throw err;
  }
}

/**
 * One value in one write(). Never O_CREAT: a control file the kernel does not offer must fail with ENOENT,
 * not appear as a plain file. Write-only files (devices.allow) refuse O_RDWR, hence O_WRONLY.
 */
export async function writeControl(file: string, value: string): Promise<void> {
  await writeFile(file, value, { flag: constants.O_WRONLY | constants.O_TRUNC });
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
export async function readPids(procsFile: string): Promise<number[]> {
  const text = await readOptional(procsFile);
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

/** Runs tasks concurrently and waits for all of them, so that none is still in flight when the caller rolls back. */
export async function settleAll<T>(tasks: Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(tasks);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}
