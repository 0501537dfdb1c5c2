// The containers a command acts on: the project's (by its labels; `-p NAME` needs no compose file), limited to
// the named services, in service then replica order; and the order dependencies impose on starting them.
import type Docker from "dockerode";
import { UserError } from "../compose/errors.js";
import { projectContainers } from "../orchestrate/observe.js";
import { byServiceAndNumber, type ObservedContainer } from "../plan/observe.js";
import type { GlobalOptions } from "./options.js";
import { projectScope, type ProjectScope } from "./project-scope.js";

export interface Selection {
  scope: ProjectScope;
  containers: ObservedContainer[];
}

export async function serviceContainers(docker: Docker, globals: GlobalOptions, services: string[], options: { all?: boolean; oneoff?: boolean } = {}): Promise<Selection> {
  const scope = projectScope(globals);
  if (scope.loaded) for (const name of services) scope.loaded.graph.closure([name]); // an unknown name is an error
  const containers = (await projectContainers(docker, scope.name, { all: options.all ?? true, oneoff: options.oneoff }))
    .filter((c) => services.length === 0 || services.includes(c.service))
    .sort(byServiceAndNumber);
  return { scope, containers };
}

/** The one container `exec`, `port` and `cp` act on: replica `index` (default 1) of a service. */
export async function serviceContainer(docker: Docker, globals: GlobalOptions, service: string, index: string | undefined, running: boolean): Promise<ObservedContainer> {
  const number = index === undefined ? 1 : Number(index);
  if (!Number.isInteger(number) || number < 1) throw new UserError(`invalid --index "${index}": use a replica number from 1`);
  const { containers } = await serviceContainers(docker, globals, [service]);
  const candidates = containers.filter((c) => !running || c.state === "running");
  if (candidates.length === 0) throw new UserError(running ? `service "${service}" is not running` : `no container found for service "${service}"`);
  const container = candidates.find((c) => c.number === number);
  if (!container) throw new UserError(`service "${service}" has no container with index ${number}`);
  return container;
}

/**
 * Containers in waves: each wave's services depend only on services of earlier waves (by the depends_on label),
 * so a wave starts once the one before it has; stops go in reverse.
 */
export function dependencyWaves(containers: ObservedContainer[]): ObservedContainer[][] {
  const services = new Set(containers.map((c) => c.service));
  const dependsOn = new Map(containers.map((c) => [c.service, c.dependsOn.map((d) => d.service).filter((s) => services.has(s) && s !== c.service)]));
  const waves: ObservedContainer[][] = [];
  const placed = new Set<string>();
  while (placed.size < services.size) {
    const ready = [...services].filter((s) => !placed.has(s) && dependsOn.get(s)!.every((d) => placed.has(d)));
    const wave = ready.length > 0 ? ready : [...services].filter((s) => !placed.has(s)); // a cycle: the rest at once
    wave.forEach((s) => placed.add(s));
    waves.push(containers.filter((c) => wave.includes(c.service)));
  }
  return waves;
}
