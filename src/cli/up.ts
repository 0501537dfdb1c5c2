// `berth up`: create and start the project's containers, recreating only what changed (docker compose up).
import type Docker from "dockerode";
import { UserError } from "../compose/errors.js";
import { engine } from "../engine/client.js";
import { attach } from "../orchestrate/attach.js";
import { ExitRules, type Cascade } from "../orchestrate/cascade.js";
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
  attach: string[];
  noAttach: string[];
  abortOnContainerExit?: boolean;
  abortOnContainerFailure?: boolean;
  exitCodeFrom?: string;
  timestamps?: boolean;
  /** --build (true) / --no-build (false) */
  build?: boolean;
  pull?: "always" | "missing" | "never";
}

/** What foreground `up` shows and how it reacts to exits. */
interface Foreground {
  /** services whose output is shown */
  shown: string[];
  cascade: Cascade;
  exitCodeFrom?: string;
  timestamps: boolean;
  stopTimeout?: number;
}

export async function upCommand(globals: GlobalOptions, services: string[], options: UpCommandOptions): Promise<void> {
  if (options.forceRecreate && !options.recreate) throw new UserError("--force-recreate and --no-recreate are incompatible");
  if (options.wait && !options.start) throw new UserError("--wait and --no-start are incompatible");
  checkForegroundFlags(options);
  const scale = parseScale(options.scale);
  const waitTimeout = seconds(options.waitTimeout, "--wait-timeout");
  const stopTimeout = seconds(options.timeout, "--timeout");
  const parallel = parallelLimit(options.parallel, process.env);
  const loaded = load(globals, services);
  for (const name of [...options.attach, ...options.noAttach, ...(options.exitCodeFrom ? [options.exitCodeFrom] : [])]) {
    if (!(name in loaded.project.services)) throw new UserError(`no such service: ${name}`);
  }
  const docker = await engine({ host: globals.host });
  const renderer = await stderrProgress(globals.progress);
  const plan = await up({
    docker,
    loaded,
    services,
    noDeps: !options.deps,
    scale,
    recreate: options.forceRecreate ? "force" : options.recreate ? "diverged" : "never",
    noStart: !options.start,
    removeOrphans: options.removeOrphans ?? envFlag("COMPOSE_REMOVE_ORPHANS"),
    ...(options.build !== undefined && { build: options.build ? "always" : "never" }),
    pull: options.pull,
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
  if (options.detach || options.wait || !options.start) return;
  const selected = services.length > 0 ? services : loaded.graph.services();
  // as compose: `up web` shows web's output, not that of what web depends on; --attach names exactly whose
  const shown = (options.attach.length > 0 ? options.attach : selected).filter((s) => !options.noAttach.includes(s));
  // --exit-code-from implies --abort-on-container-exit, unless it goes with --abort-on-container-failure
  const cascade: Cascade = options.abortOnContainerFailure ? "fail" : options.abortOnContainerExit || options.exitCodeFrom ? "stop" : "ignore";
  const status = await foreground(docker, loaded.name, [...new Set([...selected, ...shown])], {
    shown,
    cascade,
    exitCodeFrom: options.exitCodeFrom,
    timestamps: Boolean(options.timestamps),
    stopTimeout,
  });
  if (status !== 0) throw new ExitStatus(status);
}

/** Compose's combinations: the abort and attach flags only make sense in the foreground. */
function checkForegroundFlags(options: UpCommandOptions): void {
  if (options.abortOnContainerExit && options.abortOnContainerFailure) {
    throw new UserError("--abort-on-container-failure cannot be combined with --abort-on-container-exit");
  }
  const foregroundOnly = options.abortOnContainerExit || options.abortOnContainerFailure || options.exitCodeFrom || options.attach.length > 0;
  if (options.detach && foregroundOnly) {
    throw new UserError("-d cannot be combined with --abort-on-container-exit, --abort-on-container-failure, --exit-code-from or --attach");
  }
  if (options.wait && foregroundOnly) {
    throw new UserError("--wait cannot be combined with --abort-on-container-exit, --abort-on-container-failure, --exit-code-from or --attach");
  }
}

/**
 * Without -d: the shown services' output until their containers have exited; returns the exit status by
 * Compose's rules (cascade.ts). Ctrl-C stops them gracefully, a second Ctrl-C kills them; either way the exit
 * status is then 130, as for an interrupted command.
 */
async function foreground(docker: Docker, project: string, services: string[], how: Foreground): Promise<number> {
  const { stopTimeout } = how;
  const containers = (await projectContainers(docker, project)).filter((c) => services.includes(c.service)).sort(byServiceAndNumber);
  const shown = containers.filter((c) => how.shown.includes(c.service));
  process.stdout.write(`Attaching to ${shown.map((c) => `${c.service}-${c.number}`).join(", ")}\n`);
  const rules = new ExitRules(how.cascade, how.exitCodeFrom);
  const attached = attach(docker, containers, {
    write: (text) => process.stdout.write(text),
    colour: Boolean(process.stdout.isTTY),
    timestamps: how.timestamps,
    shown: (c) => how.shown.includes(c.service),
    exited: (c, code) => {
      if (!rules.exited(c.service, code)) return;
      process.stderr.write("Aborting on container exit...\n");
      void attached.stop(stopTimeout);
    },
  });
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
  return rules.exitCode;
}

export function parseScale(entries: string[]): Record<string, number> {
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
