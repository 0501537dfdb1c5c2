// Foreground `up`: every container's output, each line prefixed with `<service>-<n> |` (coloured on a terminal),
// until all of them have exited; `stop()` stops them gracefully, `kill()` at once.
import type Docker from "dockerode";
import type { ObservedContainer } from "../plan/observe.js";
import { containerLines, linePrefix } from "./log-lines.js";
import { waitFor, type Verdict } from "./wait.js";

export interface AttachOptions {
  write: (text: string) => void;
  colour: boolean;
  /** each line after the prefix starts with the time the container wrote it (--timestamps) */
  timestamps?: boolean;
  /** whose output is shown (--attach, --no-attach); the others are only watched for their exit. Default: all */
  shown?: (c: ObservedContainer) => boolean;
  /** told of each container's exit, in the order they happen */
  exited?: (c: ObservedContainer, exitCode: number) => void;
}

export interface Attached {
  /** resolves once every shown container's output has ended (every container's, when none is shown) */
  done: Promise<void>;
  stop(timeoutSeconds?: number): Promise<void>;
  kill(): Promise<void>;
}

const stopped = (info: Docker.ContainerInspectInfo): Verdict => ({ done: !info.State.Running && !info.State.Restarting && info.State.Status !== "created" });

export function attach(docker: Docker, containers: ObservedContainer[], options: AttachOptions): Attached {
  const { write } = options;
  const label = (c: ObservedContainer) => `${c.service}-${c.number}`;
  const shown = containers.filter(options.shown ?? (() => true));
  const watched = containers.filter((c) => !shown.includes(c));
  const width = Math.max(0, ...shown.map((c) => label(c).length));
  const exitCode = async (c: ObservedContainer) => {
    const { State } = await docker.getContainer(c.id).inspect();
    options.exited?.(c, State.ExitCode);
    return State.ExitCode;
  };
  const showing = Promise.all(
    shown.map(async (c, i) => {
      const prefix = linePrefix(label(c), width, i, options.colour);
      await containerLines(docker, c.id, { follow: true, timestamps: options.timestamps }, (line) => write(`${prefix}${line}\n`));
      write(`${label(c)} exited with code ${await exitCode(c)}\n`);
    }),
  );
  // watches of containers not shown end with the shown ones: they must not keep the command waiting
  const finished = new AbortController();
  const watching = Promise.all(
    watched.map(async (c) => {
      try {
        await waitFor(docker, c.id, stopped, finished.signal);
        await exitCode(c);
      } catch (err) {
        if (!finished.signal.aborted) throw err;
      }
    }),
  );
  const done = (shown.length > 0 ? showing : watching).finally(() => finished.abort()).then(() => watching).then(() => undefined);
  const each = (action: (container: Docker.Container) => Promise<unknown>) =>
    Promise.all(containers.map((c) => action(docker.getContainer(c.id)).catch(() => undefined))).then(() => undefined);
  return {
    done,
    stop: (t) => each((container) => container.stop(t !== undefined ? { t } : {})),
    kill: () => each((container) => container.kill()),
  };
}
