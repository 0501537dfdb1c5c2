// Typed progress events from the orchestrator, and the renderers that show them. The core only emits events;
// it never writes to the terminal.
export type ProgressStatus = "working" | "done" | "warning" | "error";

export interface ProgressEvent {
  /** "Container demo-web-1", "Network demo_default", "Volume demo_data" */
  resource: string;
  /** "Creating", "Created", "Started", "Running", "Healthy", "Removed"... */
  text: string;
  status: ProgressStatus;
  detail?: string;
  /** a part of the resource's step, shown beneath it: an image's layer, by its short digest. Its status is its own. */
  part?: string;
  /** while a part transfers: bytes moved so far, and in all */
  current?: number;
  total?: number;
}

export type Progress = (event: ProgressEvent) => void;

export interface Renderer {
  progress: Progress;
  /** shows the final state; call it (and await it) before anything else writes to the terminal */
  stop(): void | Promise<void>;
}

/** `--progress`, as Docker Compose has it. */
export const PROGRESS_MODES = ["auto", "tty", "plain", "json", "quiet"] as const;
export type ProgressMode = (typeof PROGRESS_MODES)[number];

/**
 * One plain line per event, for logs and CI: no symbols, no redrawing (the terminal renderer is progress-tty.ts).
 * A part (a layer) gets a line when its state changes, not one per byte count.
 */
export function lineRenderer(write: (line: string) => void): Progress {
  const partStates = new Map<string, string>();
  return (event) => {
    if (event.part !== undefined) {
      const key = `${event.resource}\0${event.part}`;
      if (partStates.get(key) === event.text) return;
      partStates.set(key, event.text);
      return write(`${event.resource}  ${event.part} ${event.text}\n`);
    }
    write(`${event.resource}  ${event.text}${event.detail ? ` ${event.detail}` : ""}\n`);
  };
}

/** What a terminal shows beneath a resource for its parts: a line per part with its state, and while it transfers a bar, the bytes and the rate. */
export class PartLines {
  readonly #parts = new Map<string, { event: ProgressEvent; firstBytes?: { at: number; current: number } }>();
  readonly #clock: () => number;

  constructor(clock: () => number = Date.now) {
    this.#clock = clock;
  }

  update(event: ProgressEvent): void {
    const known = this.#parts.get(event.part!);
    const moving = event.current !== undefined && event.total !== undefined;
    this.#parts.set(event.part!, { event, firstBytes: known?.firstBytes ?? (moving ? { at: this.#clock(), current: event.current! } : undefined) });
  }

  text(): string {
    return [...this.#parts.values()].map(({ event, firstBytes }) => {
      const line = `${event.part}  ${event.text}`;
      if (event.status !== "working" || event.current === undefined || event.total === undefined) return line;
      const seconds = firstBytes ? (this.#clock() - firstBytes.at) / 1000 : 0;
      const rate = seconds > 0 ? `  ${humanBytes((event.current - firstBytes!.current) / seconds)}/s` : "";
      return `${line.padEnd(32)} ${bar(event.current, event.total)} ${humanBytes(event.current)}/${humanBytes(event.total)}${rate}`;
    }).join("\n");
  }
}

const BAR_WIDTH = 20;

function bar(current: number, total: number): string {
  const filled = total > 0 ? Math.min(BAR_WIDTH, Math.floor((current / total) * BAR_WIDTH)) : 0;
  return `[${"=".repeat(Math.max(0, filled - 1))}${filled > 0 ? ">" : ""}${" ".repeat(BAR_WIDTH - filled)}]`;
}

/** Decimal units, three significant digits: 1.05MB, as Docker writes sizes. */
export function humanBytes(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let size = bytes;
  let unit = 0;
  // 999.5 and up rounds to 1000: the next unit's 1
  while (size >= 999.5 && unit < units.length - 1) [size, unit] = [size / 1000, unit + 1];
  return `${unit === 0 ? Math.round(size) : Number(size.toPrecision(3))}${units[unit]}`;
}

/** One JSON object per event, a line each, for programs that follow the progress. */
export function jsonRenderer(write: (line: string) => void): Progress {
  return (event) => write(`${JSON.stringify(event)}\n`);
}

/** `auto`: the task list on a terminal; plain lines when the output is not one, or with CI set (no spinner frames in logs). */
export function resolveMode(mode: ProgressMode, isTTY: boolean, env: NodeJS.ProcessEnv): Exclude<ProgressMode, "auto"> {
  if (mode !== "auto") return mode;
  return isTTY && !env.CI ? "tty" : "plain";
}

/** The renderer for `mode` on `stream`. listr2 is imported only when the task list is drawn: it is slow to load. */
export async function progressRenderer(mode: ProgressMode, stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv): Promise<Renderer> {
  const write = (text: string) => void stream.write(text);
  switch (resolveMode(mode, Boolean(stream.isTTY), env)) {
    case "tty":
      return await (await import("./progress-tty.js")).ttyRenderer(stream);
    case "json":
      return { progress: jsonRenderer(write), stop: () => {} };
    case "quiet":
      return { progress: () => {}, stop: () => {} };
    case "plain":
      return { progress: lineRenderer(write), stop: () => {} };
  }
}
