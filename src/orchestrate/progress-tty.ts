// The terminal renderer: one line per resource, redrawn in place as its events arrive, with a spinner and a
// running timer while it works, and a `[+] Running done/total` header, as Docker Compose shows progress.
import type { Progress, ProgressEvent } from "./progress.js";

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const MARK = { done: "\x1b[32m✔\x1b[0m", warning: "\x1b[33m!\x1b[0m", error: "\x1b[31m✘\x1b[0m" };
const REDRAW_MS = 100;

interface Task {
  event: ProgressEvent;
  started: number;
  /** when it last reached a result; undefined while working */
  ended?: number;
}

export interface TtyRenderer {
  progress: Progress;
  /** draws the final state and stops redrawing; call it before anything else writes to the terminal */
  stop(): void;
}

export function ttyRenderer(write: (text: string) => void, columns: number, now: () => number = () => performance.now()): TtyRenderer {
  const tasks = new Map<string, Task>();
  let drawn = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const line = (task: Task, t: number) => {
    const { event } = task;
    const mark = event.status === "working" ? SPINNER[Math.floor(t / REDRAW_MS) % SPINNER.length] : MARK[event.status];
    const text = ` ${mark} ${event.resource}  ${event.text}${event.detail ? ` ${event.detail}` : ""}`;
    const elapsed = `${(((task.ended ?? t) - task.started) / 1000).toFixed(1)}s`;
    // the mark's colour codes take no room on screen
    const visible = text.replace(/\x1b\[\d+m/g, "").length;
    const room = columns - elapsed.length - 1;
    return visible > room ? `${text.slice(0, text.length - (visible - room) - 1)}… ${elapsed}` : `${text}${" ".repeat(room - visible)} ${elapsed}`;
  };
  const draw = () => {
    const t = now();
    const all = [...tasks.values()];
    const finished = all.filter((task) => task.event.status !== "working").length;
    const lines = [`[+] Running ${finished}/${all.length}`, ...all.map((task) => line(task, t))];
    write(`${drawn > 0 ? `\x1b[${drawn}F` : ""}${lines.map((l) => `\x1b[2K${l}\n`).join("")}`);
    drawn = lines.length;
    const working = !stopped && all.some((task) => task.event.status === "working");
    if (working && !timer) timer = setInterval(draw, REDRAW_MS).unref();
    if (!working && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  };
  return {
    progress(event) {
      const t = now();
      const task = tasks.get(event.resource);
      if (task) Object.assign(task, { event, ended: event.status === "working" ? undefined : t });
      else tasks.set(event.resource, { event, started: t, ...(event.status !== "working" && { ended: t }) });
      draw();
    },
    stop() {
      stopped = true;
      if (tasks.size > 0) draw();
    },
  };
}
