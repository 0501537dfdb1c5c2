// `GET /containers/{id}/logs`: the monitor's json-file log read back, filtered by stream, time and tail,
// and followed until the container stops.
import { watch } from "node:fs";
import { open } from "node:fs/promises";
import type { Writable } from "node:stream";
import type { Container } from "./lifecycle.js";

export interface LogOptions {
  stdout: boolean;
  stderr: boolean;
  follow: boolean;
  /** Only the last `tail` entries; undefined for all. */
  tail?: number;
  /** Nanoseconds since the epoch, inclusive bounds. */
  since?: bigint;
  until?: bigint;
  timestamps: boolean;
}

export interface LogEntry {
  stream: "stdout" | "stderr";
  log: string;
  time: string;
}

/** RFC 3339 with up to 9 fraction digits, as the monitor writes it, in nanoseconds. */
export function timeNanos(time: string): bigint {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(time);
  if (!m) return 0n;
  return BigInt(Date.parse(m[1]! + m[3]!)) * 1_000_000n + BigInt((m[2] ?? "").padEnd(9, "0"));
}

function parseLines(text: string): LogEntry[] {
  return text.split("\n").flatMap((line) => {
    if (line === "") return [];
    try {
      return [JSON.parse(line) as LogEntry];
    } catch {
      return []; // a torn last line cannot happen (one write per entry); anything else unreadable is skipped
    }
  });
}

/** Where a writer of log frames sends each entry: raw with a TTY, framed per stream without. */
export type LogSink = (entry: LogEntry, payload: Buffer) => Promise<void>;

/** Writes `chunk` and waits for the client to take it, so that a slow client slows the reader. */
export function writeAndDrain(out: Writable, chunk: Buffer): Promise<void> {
  return new Promise((resolve) => {
    if (out.write(chunk)) resolve();
    else {
      const done = () => {
        out.off("drain", done);
        out.off("close", done);
        resolve();
      };
      out.once("drain", done);
      out.once("close", done);
    }
  });
}

/** Sends the log to `sink`; resolves when done (following: when the container has stopped, or `closed` fired). */
export async function streamLogs(c: Container, options: LogOptions, sink: LogSink, closed: Promise<void>): Promise<void> {
  const wanted = (entry: LogEntry) => {
    if (entry.stream === "stdout" ? !options.stdout : !options.stderr) return false;
    if (options.since === undefined && options.until === undefined) return true;
    const time = timeNanos(entry.time);
    return (options.since === undefined || time >= options.since) && (options.until === undefined || time <= options.until);
  };
  const send = async (entries: LogEntry[]) => {
    for (const entry of entries.filter(wanted)) {
      await sink(entry, Buffer.from(options.timestamps ? `${entry.time} ${entry.log}` : entry.log));
    }
  };
  const file = await open(c.paths.log, "r").catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return undefined; // never started: no log yet
    throw err;
  });
  if (!file) return;
  try {
    let offset = 0;
    /** Reads whole lines appended since the last call. */
    const readNew = async (): Promise<LogEntry[]> => {
      const { size } = await file.stat();
      if (size <= offset) return [];
      const buffer = Buffer.alloc(size - offset);
      const { bytesRead } = await file.read(buffer, 0, buffer.length, offset);
      const end = buffer.subarray(0, bytesRead).lastIndexOf(10) + 1;
      offset += end;
      return parseLines(buffer.subarray(0, end).toString("utf8"));
    };
    const exited = c.exited;
    const all = await readNew();
    await send(options.tail === undefined ? all : all.slice(Math.max(0, all.length - options.tail)));
    if (!options.follow || !exited) return;
    await follow(c.paths.log, readNew, send, Promise.race([exited, closed]));
  } finally {
    await file.close();
  }
}

/** Sends what is appended to the log, woken by inotify, until `stop` settles; then once more for the tail end. */
async function follow(path: string, readNew: () => Promise<LogEntry[]>, send: (e: LogEntry[]) => Promise<void>, stop: Promise<unknown>): Promise<void> {
  let wake: () => void = () => undefined;
  const watcher = watch(path, () => wake());
  let stopped = false;
  void stop.finally(() => {
    stopped = true;
    wake();
  });
  try {
    while (!stopped) {
      const changed = new Promise<void>((resolve) => (wake = resolve));
      await send(await readNew());
      await changed;
    }
    await send(await readNew());
  } finally {
    watcher.close();
  }
}
