// Foreground `up`: every container's output, each line prefixed with `<service>-<n> |` (coloured on a terminal),
// until all of them have exited; `stop()` stops them gracefully, `kill()` at once.
import { PassThrough } from "node:stream";
import type Docker from "dockerode";
import type { ObservedContainer } from "../plan/observe.js";

/** Compose's rotation of prefix colours. */
const COLOURS = [36, 33, 32, 35, 34, 96, 93, 92, 95, 94];

export interface Attached {
  /** resolves once every container's output has ended */
  done: Promise<void>;
  stop(timeoutSeconds?: number): Promise<void>;
  kill(): Promise<void>;
}

export function attach(docker: Docker, containers: ObservedContainer[], write: (text: string) => void, colour: boolean): Attached {
  const label = (c: ObservedContainer) => `${c.service}-${c.number}`;
  const width = Math.max(0, ...containers.map((c) => label(c).length));
  const done = Promise.all(
    containers.map(async (c, i) => {
      const prefix = colour ? `\x1b[${COLOURS[i % COLOURS.length]}m${label(c).padEnd(width)}  |\x1b[0m ` : `${label(c).padEnd(width)}  | `;
      await follow(docker, c, (line) => write(`${prefix}${line}\n`));
      const { State } = await docker.getContainer(c.id).inspect();
      write(`${label(c)} exited with code ${State.ExitCode}\n`);
    }),
  ).then(() => undefined);
  const each = (action: (container: Docker.Container) => Promise<unknown>) =>
    Promise.all(containers.map((c) => action(docker.getContainer(c.id)).catch(() => undefined))).then(() => undefined);
  return {
    done,
    stop: (t) => each((container) => container.stop(t !== undefined ? { t } : {})),
    kill: () => each((container) => container.kill()),
  };
}

/** Calls `line` for each line of the container's log, from its start until it stops. */
async function follow(docker: Docker, c: ObservedContainer, line: (text: string) => void): Promise<void> {
  const container = docker.getContainer(c.id);
  const { Config } = await container.inspect();
  const stream = await container.logs({ follow: true, stdout: true, stderr: true });
  const text = new PassThrough();
  if (Config.Tty) stream.pipe(text);
  else {
    docker.modem.demuxStream(stream, text, text);
    const end = () => void (text.writableEnded || text.end());
    stream.once("end", end);
    stream.once("close", end);
  }
  let partial = "";
  for await (const chunk of text) {
    const lines = (partial + chunk.toString()).split("\n");
    partial = lines.pop()!;
    lines.forEach((l) => line(l.replace(/\r$/, "")));
  }
  if (partial) line(partial);
}
