// `ulimits` entries: `nofile: 1024` (soft and hard alike) or `nofile: {soft: 1024, hard: 2048}`.
import { ValueError } from "../errors.js";

/** The resource limits Docker knows by name (go-units' ulimit table), each an RLIMIT_* of setrlimit(2). */
export const ULIMIT_NAMES = ["core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile", "nproc", "rss", "rtprio", "rttime", "sigpending", "stack"];

/** As written: one number for both limits, or the pair. -1 means unlimited. */
export type Ulimit = number | { soft: number; hard: number };

function limit(value: unknown): number {
  const number = typeof value === "string" && /^-?\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== "number" || !Number.isSafeInteger(number) || number < -1) {
    throw new ValueError(`invalid ulimit value ${JSON.stringify(value)} (use a whole number, or -1 for unlimited)`);
  }
  return number;
}

/** -1 (RLIM_INFINITY) is above every other limit. */
const rank = (n: number): number => (n === -1 ? Infinity : n);

export function parseUlimit(name: string, value: unknown): Ulimit {
  if (!ULIMIT_NAMES.includes(name)) throw new ValueError(`unknown ulimit "${name}" (use one of ${ULIMIT_NAMES.join(", ")})`);
  if (typeof value !== "object" || value === null) return limit(value);
  const { soft, hard } = value as Record<string, unknown>;
  if (soft === undefined || hard === undefined) throw new ValueError(`ulimit "${name}" needs both soft and hard, e.g. {soft: 1024, hard: 2048}`);
  const pair = { soft: limit(soft), hard: limit(hard) };
  if (rank(pair.soft) > rank(pair.hard)) throw new ValueError(`ulimit "${name}": soft limit ${pair.soft} is above hard limit ${pair.hard}`);
  return pair;
}
