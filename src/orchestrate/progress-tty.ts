// The terminal renderer: a listr2 task list, one task per resource step with its status, and its elapsed time
// once it ends. The orchestrator's events arrive as it works, so each resource's task is added and started as
// its first event comes, and ends with its result ("done", "warning" or "error").
import { DefaultRenderer, Listr, ListrLogger, PRESET_TIMER, ProcessOutput } from "listr2";
import { PartLines, type ProgressEvent, type Renderer } from "./progress.js";

/** listr2 falls back to plain lines when stdout is no terminal; berth draws on stderr and has checked it already. */
class StderrTaskList extends DefaultRenderer {
  static override nonTTY = true;
}

/** listr2 starts the tasks a list holds when it runs; a task added later is started the way the list starts its own. */
type Runnable = { runTask(task: unknown): Promise<void> };

const title = (event: ProgressEvent) => `${event.resource}  ${event.text}`;

export async function ttyRenderer(stream: NodeJS.WriteStream): Promise<Renderer> {
  const list = new Listr([], {
    concurrent: true,
    exitOnError: false,
    registerSignalListeners: false,
    renderer: StderrTaskList,
    rendererOptions: { timer: PRESET_TIMER, collapseErrors: false, logger: new ListrLogger({ processOutput: new ProcessOutput(stream, stream) }) },
  });
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  let ready!: () => void;
  const drawing = new Promise<void>((resolve) => (ready = resolve));
  // untitled, so not drawn: it keeps the list redrawing until stop. It starts once the renderer has loaded, which
  // blocks for a moment: waiting for it keeps that moment out of the first tasks' times.
  list.add({
    task: () => {
      ready();
      return finished;
    },
  });
  const running = list.run();
  await drawing;
  /** what updates the task of each resource whose step still works */
  const open = new Map<string, (event: ProgressEvent) => void>();

  const start = (first: ProgressEvent) => {
    let latest = first;
    let show: (() => void) | undefined;
    // a pull's layers: lines beneath the task while it works
    const parts = new PartLines();
    list.add({
      title: title(first),
      task: (_ctx, task) =>
        new Promise<void>((resolve, reject) => {
          show = () => {
            task.title = title(latest);
            const layers = parts.text();
            if (layers) task.output = layers;
            if (latest.status === "done") resolve();
            else if (latest.status === "warning") resolve(task.skip(`${title(latest)}${latest.detail ? ` ${latest.detail}` : ""}`));
            else if (latest.status === "error") reject(new Error(latest.detail ?? latest.text));
          };
          show();
        }),
    });
    void (list as unknown as Runnable).runTask(list.tasks.at(-1));
    return (event: ProgressEvent) => {
      if (event.part !== undefined) parts.update(event);
      else latest = event;
      show?.();
    };
  };

  return {
    progress(event) {
      const step = open.get(event.resource) ?? start(event.part === undefined ? event : { resource: event.resource, text: "Working", status: "working" });
      step(event);
      if (event.part !== undefined || event.status === "working") open.set(event.resource, step);
      else open.delete(event.resource);
    },
    async stop() {
      // what still works when the command ends (it failed elsewhere) is shown as interrupted
      for (const [resource, step] of open) step({ resource, text: "Interrupted", status: "error" });
      finish();
      await running;
    },
  };
}
