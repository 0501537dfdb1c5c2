// `berth up`: create and start the project's containers, recreating only what changed (docker compose up).
import type Docker from "dockerode";
import { UserError } from "../compose/errors.js";
import { engine } from "../engine/client.js";
import { attach } from "../orchestrate/attach.js";
import { parallelLimit } from "../orchestrate/executor.js";
import { projectContainers } from "../orchestrate/observe.js";
import { up } from "../orchestrate/up.js";
import { byServiceAndNumber } from "../plan/observe.js";
import { formatPlan } from "../plan/plan.js";
import { ExitStatus } from "./exit-status.js";
import { load, type GlobalOptions } from "./options.js";
import { BERTH_VERSION, seconds, stderrProgress, stderrWarn } from "./project-scope.js";

export interface UpCommandOptions {
  detach?: boolean;
  dryRun?: boolean;
  wait?: boolean;
  waitTimeout?: string;
  forceRecreate?: boolean;
  recreate: boolean;
  deps: boolean;
  removeOrphans?: boolean;
  scale: string[];
  start: boolean;
  timeout?: string;
  parallel?: string;
}

export async function upCommand(globals: GlobalOptions, services: string[], options: UpCommandOptions): Promise<void> {
  if (options.forceRecreate && !options.recreate) throw new UserError("--force-recreate and --no-recreate are incompatible");
  if (options.wait && !options.start) throw new UserError("--wait and --no-start are incompatible");
  const scale = parseScale(options.scale);
  const waitTimeout = seconds(options.waitTimeout, "--wait-timeout");
  const stopTimeout = seconds(options.timeout, "--timeout");
  const parallel = parallelLimit(options.parallel, process.env);
  const loaded = load(globals, services);
  const docker = await engine({ host: globals.host });
  const renderer = stderrProgress();
  const plan = await up({
    docker,
    loaded,
    services,
    noDeps: !options.deps,
    scale,
    recreate: options.forceRecreate ? "force" : options.recreate ? "diverged" : "never",
    noStart: !options.start,
    removeOrphans: options.removeOrphans ?? envFlag("COMPOSE_REMOVE_ORPHANS"),
    dryRun: options.dryRun,
    wait: options.wait,
    waitTimeout,
    parallel,
    stopTimeout,
    progress: renderer.progress,
    warn: stderrWarn,
    version: BERTH_VERSION,
  }).finally(() => renderer.stop());
  if (options.dryRun) return void process.stdout.write(formatPlan(plan));
  if (plan.nodes.length === 0) process.stderr.write(`project ${loaded.name} is up to date: nothing to do\n`);
  // as compose: `up web` shows web's output, not that of what web depends on
  if (!options.detach && !options.wait && options.start) await foreground(docker, loaded.name, services.length > 0 ? services : loaded.graph.services(), stopTimeout);
}

/**
 * Without -d: the services' output until every container has exited. Ctrl-C stops them gracefully, a second
 * Ctrl-C kills them; either way the exit status is then 130, as for an interrupted command.
 */
async function foreground(docker: Docker, project: string, services: string[], stopTimeout: number | undefined): Promise<void> {
  const containers = (await projectContainers(docker, project)).filter((c) => services.includes(c.service)).sort(byServiceAndNumber);
  process.stdout.write(`Attaching to ${containers.map((c) => `${c.service}-${c.number}`).join(", ")}\n`);
  const attached = attach(docker, containers, (text) => process.stdout.write(text), Boolean(process.stdout.isTTY));
  let interrupts = 0;
  const interrupt = () => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write("Gracefully stopping... (press Ctrl+C again to force)\n");
      void attached.stop(stopTimeout);
    } else void attached.kill();
  };
  process.on("SIGINT", interrupt);
  try {
    await attached.done;
  } finally {
    process.off("SIGINT", interrupt);
  }
  if (interrupts > 0) throw new ExitStatus(130);
}

function parseScale(entries: string[]): Record<string, number> {
  const scale: Record<string, number> = {};
  for (const entry of entries) {
    const match = /^([^=]+)=(\d+)$/.exec(entry);
    if (!match) throw new UserError(`invalid --scale "${entry}": use SERVICE=NUMBER`);
    scale[match[1]!] = Number(match[2]);
  }
  return scale;
}

function envFlag(name: string): boolean {
  const value = process.env[name]?.toLowerCase();
  return value === "1" || value === "true";
}
