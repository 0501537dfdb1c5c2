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

/** One plain line per event, for logs and CI: no symbols, no redrawing (the terminal renderer is progress-tty.ts). */
export function lineRenderer(write: (line: string) => void): Progress {
  return (event) => write(`${event.resource}  ${event.text}${event.detail ? ` ${event.detail}` : ""}\n`);
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
