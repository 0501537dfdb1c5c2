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

/** One plain line per event, for logs and CI: no symbols, no redrawing (the terminal renderer is progress-tty.ts). */
export function lineRenderer(write: (line: string) => void): Progress {
  return (event) => write(`${event.resource}  ${event.text}${event.detail ? ` ${event.detail}` : ""}\n`);
}
