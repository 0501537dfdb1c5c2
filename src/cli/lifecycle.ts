// `berth start|stop|restart|kill|pause|unpause|rm`: one engine call per container of the named services (all
// when none is named), found by their labels, with a progress line each, as Docker Compose's commands.
import { createInterface } from "node:readline/promises";
import type Docker from "dockerode";
import { UserError } from "../compose/errors.js";
import { engine } from "../engine/client.js";
import { engineCall, tolerating } from "../orchestrate/engine-call.js";
import type { ProgressMode } from "../orchestrate/progress.js";
import type { ObservedContainer } from "../plan/observe.js";
import { ExitStatus } from "./exit-status.js";
import type { GlobalOptions } from "./options.js";
import { projectScope, seconds, stderrProgress } from "./project-scope.js";
import { dependencyWaves, serviceContainers } from "./service-containers.js";

const RUNNING = ["running", "restarting", "paused"];
const STOPPED = ["created", "exited", "dead"];

/** Runs `call` on each container, all at once, with a "working" then a "done" progress line. */
async function each(containers: ObservedContainer[], working: string, done: string, call: (c: Docker.Container) => Promise<unknown>, docker: Docker, mode?: ProgressMode): Promise<void> {
  const renderer = await stderrProgress(mode);
  try {
    await Promise.all(
      containers.map(async (c) => {
        renderer.progress({ resource: `Container ${c.name}`, text: working, status: "working" });
        await engineCall(() => call(docker.getContainer(c.id)));
        renderer.progress({ resource: `Container ${c.name}`, text: done, status: "done" });
      }),
    );
  } finally {
    await renderer.stop();
  }
}

const stopOptions = (timeout: string | undefined) => {
  const t = seconds(timeout, "--timeout");
  return t !== undefined ? { t } : {};
};

export async function startCommand(globals: GlobalOptions, services: string[]): Promise<void> {
  const docker = await engine({ host: globals.host });
  const { containers } = await serviceContainers(docker, globals, services);
  for (const wave of dependencyWaves(containers.filter((c) => !RUNNING.includes(c.state)))) {
    await each(wave, "Starting", "Started", (c) => tolerating([304], () => c.start()), docker, globals.progress);
  }
}

export async function stopCommand(globals: GlobalOptions, services: string[], options: { timeout?: string }): Promise<void> {
  const stop = stopOptions(options.timeout);
  const docker = await engine({ host: globals.host });
  const { containers } = await serviceContainers(docker, globals, services);
  for (const wave of dependencyWaves(containers.filter((c) => RUNNING.includes(c.state))).reverse()) {
    await each(wave, "Stopping", "Stopped", (c) => tolerating([304], () => c.stop(stop)), docker, globals.progress);
  }
}

export async function restartCommand(globals: GlobalOptions, services: string[], options: { timeout?: string; deps: boolean }): Promise<void> {
  const stop = stopOptions(options.timeout);
  const docker = await engine({ host: globals.host });
  const { loaded } = projectScope(globals);
  // as compose: restarting a service restarts what it depends on too, unless --no-deps
  const selected = services.length > 0 && options.deps && loaded ? loaded.graph.closure(services) : services;
  const { containers } = await serviceContainers(docker, globals, selected);
  for (const wave of dependencyWaves(containers)) await each(wave, "Restarting", "Started", (c) => c.restart(stop), docker, globals.progress);
}

export async function killCommand(globals: GlobalOptions, services: string[], options: { signal: string }): Promise<void> {
  const docker = await engine({ host: globals.host });
  const { containers } = await serviceContainers(docker, globals, services);
  await each(containers.filter((c) => RUNNING.includes(c.state)), "Killing", "Killed", (c) => c.kill({ signal: options.signal }), docker, globals.progress);
}

export async function pauseCommand(globals: GlobalOptions, services: string[]): Promise<void> {
  const docker = await engine({ host: globals.host });
  const { containers } = await serviceContainers(docker, globals, services);
  await each(containers.filter((c) => c.state === "running"), "Pausing", "Paused", (c) => c.pause(), docker, globals.progress);
}

export async function unpauseCommand(globals: GlobalOptions, services: string[]): Promise<void> {
  const docker = await engine({ host: globals.host });
  const { containers } = await serviceContainers(docker, globals, services);
  await each(containers.filter((c) => c.state === "paused"), "Unpausing", "Unpaused", (c) => c.unpause(), docker, globals.progress);
}

export interface RmOptions {
  force?: boolean;
  stop?: boolean;
  volumes?: boolean;
}

export async function rmCommand(globals: GlobalOptions, services: string[], options: RmOptions): Promise<void> {
  const docker = await engine({ host: globals.host });
  const { containers } = await serviceContainers(docker, globals, services, { oneoff: true });
  if (options.stop) {
    for (const wave of dependencyWaves(containers.filter((c) => RUNNING.includes(c.state))).reverse()) {
      await each(wave, "Stopping", "Stopped", (c) => tolerating([304], () => c.stop()), docker, globals.progress);
    }
  }
  const removable = options.stop ? containers : containers.filter((c) => STOPPED.includes(c.state));
  if (removable.length === 0) return void process.stderr.write("No stopped containers\n");
  if (!options.force && !(await confirm(`Going to remove ${removable.map((c) => c.name).join(", ")}\n? Are you sure? [y/N] `))) return;
  await each(removable, "Removing", "Removed", (c) => tolerating([404], () => c.remove({ v: options.volumes ?? false })), docker, globals.progress);
}

/** Asks on the terminal; anything but y/yes is a no. */
async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) throw new UserError("rm needs confirmation and standard input is not a terminal: use -f to remove without asking");
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await prompt.question(question)).trim());
  } finally {
    prompt.close();
  }
}

/**
 * `wait`: until every container of the services has stopped, printing each one's exit code as it stops; the
 * exit status is that of the first to stop (docker compose wait). --down-project then takes the project down.
 */
export async function waitCommand(globals: GlobalOptions, services: string[], options: { downProject?: boolean }): Promise<void> {
  const docker = await engine({ host: globals.host });
  const { scope, containers } = await serviceContainers(docker, globals, services);
  if (containers.length === 0) throw new UserError(`no containers to wait for in project "${scope.name}"`);
  let first: number | undefined;
  await Promise.all(
    containers.map(async (c) => {
      const { StatusCode } = (await engineCall(() => docker.getContainer(c.id).wait())) as { StatusCode: number };
      first ??= StatusCode;
      process.stdout.write(`${c.name} ${StatusCode}\n`);
    }),
  );
  if (options.downProject) await (await import("./down.js")).downCommand(globals, {});
  if (first) throw new ExitStatus(first);
}
