// Observed state + desired state → the plan for `up`, deciding as Docker Compose's reconcile does what to
// create, recreate, start, scale down and remove; and the plan for `down`. Pure: no engine calls.
import { UserError } from "../compose/errors.js";
import { parsePullPolicy } from "../compose/syntax/pull-policy.js";
import { containerName, type DesiredService, type DesiredState } from "./desired.js";
import type { ObservedContainer, ObservedState } from "./observe.js";
import { byServiceAndNumber } from "./observe.js";
import { PlanBuilder, type Plan, type WaitCondition } from "./plan.js";

export interface UpOptions {
  /** diverged (default): only what changed; force: every container; never: none */
  recreate?: "diverged" | "force" | "never";
  /** --no-start: create, do not start */
  noStart?: boolean;
  removeOrphans?: boolean;
  /** --build: build every service that has a build section; --no-build: none (a missing image is then pulled) */
  build?: "always" | "never";
  /** --pull: overrides the services' pull_policy */
  pull?: "always" | "missing" | "never";
  /** image → when a tag last came to point at it (ms since the epoch; Metadata.LastTagTime): what daily, weekly and every_<d> measure from */
  imagePulledAt?: Record<string, number>;
  /** the clock those policies compare with (ms since the epoch); default now */
  now?: number;
}

const RUNNING = ["running", "paused", "restarting"];

export function planUp(observed: ObservedState, desired: DesiredState, options: UpOptions = {}): Plan {
  const plan = new PlanBuilder();
  const unchanged: string[] = [];
  const orphans: string[] = [];

  const networkNodes = new Map<string, string>();
  for (const network of desired.networks) {
    if (observed.networks.has(network.name)) continue;
    if (network.definition.external) throw new UserError(`network ${network.name} declared as external, but could not be found`);
    networkNodes.set(network.name, plan.add({ kind: "create-network", name: network.name, key: network.key, definition: network.definition }));
  }
  const volumeNodes = new Map<string, string>();
  for (const volume of desired.volumes) {
    if (observed.volumes.has(volume.name)) continue;
    if (volume.definition.external) throw new UserError(`external volume "${volume.name}" not found`);
    volumeNodes.set(volume.name, plan.add({ kind: "create-volume", name: volume.name, key: volume.key, definition: volume.definition }));
  }

  /** image → the node that pulls or builds it */
  const imageNodes = new Map<string, string>();
  for (const service of desired.services) {
    const action = imageAction(service, options);
    if (!action || imageNodes.has(service.image)) continue;
    const op = action === "pull" ? { kind: "pull-image" as const, image: service.image } : { kind: "build-image" as const, service: service.name, image: service.image };
    imageNodes.set(service.image, plan.add(op));
  }

  const containers = observed.containers.filter((c) => !c.oneoff).sort(byServiceAndNumber);
  const selected = new Set(desired.services.map((s) => s.name));
  /** per service: the nodes that start its containers */
  const starts = new Map<string, string[]>();
  /** per service: the nodes after which its containers exist under their names and run (or exist, with --no-start) */
  const ready = new Map<string, string[]>();
  const recreated = new Set<string>();
  const waits = new Map<string, string>();

  const waitFor = (service: string, condition: WaitCondition, required: boolean): string => {
    const key = `${service}:${condition}:${required}`;
    let id = waits.get(key);
    if (!id) waits.set(key, (id = plan.add({ kind: "wait-service", service, condition, required }, starts.get(service) ?? [])));
    return id;
  };

  for (const service of desired.services) {
    const mine = containers.filter((c) => c.service === service.name);
    const serviceCreateAfter = [
      imageNodes.get(service.image),
      ...service.networks.map((n) => networkNodes.get(n)),
      ...service.volumes.map((v) => volumeNodes.get(v)),
      ...service.parents.flatMap((p) => ready.get(p) ?? []),
    ];
    const startAfter = () =>
      service.dependsOn
        .filter((dep) => selected.has(dep.service))
        .flatMap((dep) => (dep.condition === "service_started" ? (starts.get(dep.service) ?? []) : [waitFor(dep.service, dep.condition as WaitCondition, dep.required)]));
    const serviceStarts: string[] = [];
    const serviceReady: string[] = [];
    const start = (name: string, after: string[], cause?: string) => {
      if (options.noStart) {
        serviceReady.push(...after);
        return;
      }
      const id = plan.add({ kind: "start-container", service: service.name, name }, [...after, ...startAfter()], cause);
      serviceStarts.push(id);
      serviceReady.push(id);
    };

    for (const surplus of mine.filter((c) => c.number > service.replicas || c.number < 1)) {
      removeContainer(plan, surplus, `scale ${service.replicas}`);
    }
    for (let number = 1; number <= service.replicas; number++) {
      const name = containerName(desired.project, service, number);
      // An up killed mid-recreate leaves a replacement under its temporary name: it goes, and the usual rules apply.
      // (Its temporary name may be the one a new replacement gets: creates wait for the removal.)
      const strays = mine.filter((c) => c.number === number && c.name !== name).map((c) => removeContainer(plan, c, "left by an interrupted up"));
      const createAfter = [...serviceCreateAfter, ...strays];
      const existing = mine.find((c) => c.number === number && c.name === name);
      if (!existing) {
        const created = plan.add({ kind: "create-container", service: service.name, number, name }, createAfter);
        start(name, [created]);
        continue;
      }
      const cause = recreateCause(existing, service, options.recreate ?? "diverged", recreated, containers, volumeNodes, networkNodes);
      const restart = restartCause(service, recreated);
      if (cause) {
        recreated.add(service.name);
        const created = plan.add({ kind: "create-container", service: service.name, number, name: `${existing.id.slice(0, 12)}_${name}` }, createAfter, cause);
        const removed = removeContainer(plan, existing, cause, [created]);
        const renamed = plan.add({ kind: "rename-container", service: service.name, from: `${existing.id.slice(0, 12)}_${name}`, to: name }, [removed]);
        start(name, [renamed]);
      } else if (!RUNNING.includes(existing.state) && !options.noStart) {
        start(name, [], existing.state);
      } else if (restart && !options.noStart) {
        // depends_on's restart: true — the container restarts once its recreated dependency is back
        start(name, [plan.add({ kind: "stop-container", service: service.name, name, id: existing.id }, [], restart)], restart);
      } else {
        unchanged.push(name);
      }
    }
    starts.set(service.name, serviceStarts);
    ready.set(service.name, serviceReady);
  }

  for (const container of containers.filter((c) => !desired.known.has(c.service))) {
    if (options.removeOrphans) removeContainer(plan, container, "orphan");
    else orphans.push(container.name);
  }
  return { nodes: plan.nodes, unchanged, orphans };
}

/**
 * Whether the service's image is built, pulled or used as it is, by Compose's rules: a service with a build
 * section builds its image when missing, always with --build or pull_policy: build, never with --no-build;
 * otherwise pull_policy (or --pull) decides: always, missing (the default), never, or daily/weekly/every_<d>:
 * when missing or last pulled longer ago than that (an image no tag was ever put on counts as never pulled).
 */
export function imageAction(service: DesiredService, options: Pick<UpOptions, "build" | "pull" | "imagePulledAt" | "now">): "build" | "pull" | undefined {
  const policy = parsePullPolicy(options.pull ?? service.config.pull_policy ?? "missing");
  const missing = service.imageId === "";
  if (service.config.build && options.build !== "never") return options.build === "always" || policy.kind === "build" || missing ? "build" : undefined;
  if (service.config.build) {
    if (!missing) return undefined;
    if (!service.config.image) throw new UserError(`No such image: ${service.image} (service ${service.name} is built from its build section, and --no-build was given)`);
  } else if (policy.kind === "build") {
    throw new UserError(`service ${service.name} has pull_policy: build but no build section`);
  }
  if (policy.kind === "always") return "pull";
  if (policy.kind === "refresh" && !missing) {
    const pulledAt = options.imagePulledAt?.[service.image] ?? -Infinity;
    return (options.now ?? Date.now()) - pulledAt > policy.intervalMs ? "pull" : undefined;
  }
  if (!missing) return undefined;
  if (policy.kind === "never") throw new UserError(`No such image: ${service.image} (service ${service.name} has pull_policy: never)`);
  return "pull";
}

/** Why depends_on's `restart: true` restarts the service: a dependency it names so is being recreated. */
function restartCause(service: DesiredService, recreated: Set<string>): string | undefined {
  const dependency = service.dependsOn.find((dep) => dep.restart && recreated.has(dep.service));
  return dependency && `${dependency.service} recreated`;
}

/** Stop (when it runs) then remove; returns the remove's node. */
function removeContainer(plan: PlanBuilder, c: ObservedContainer, cause: string, after: string[] = []): string {
  const stopped = RUNNING.includes(c.state) ? plan.add({ kind: "stop-container", service: c.service, name: c.name, id: c.id }, after, cause) : undefined;
  return plan.add({ kind: "remove-container", service: c.service, name: c.name, id: c.id }, stopped ? [stopped] : after, cause);
}

/** Why the container must be recreated, or undefined when it is up to date: compose's mustRecreate, in its order. */
function recreateCause(
  c: ObservedContainer,
  service: DesiredService,
  policy: "diverged" | "force" | "never",
  recreated: Set<string>,
  containers: ObservedContainer[],
  volumeNodes: Map<string, string>,
  networkNodes: Map<string, string>,
): string | undefined {
  if (policy === "never") return undefined;
  if (policy === "force") return "forced";
  const parent = service.parents.find((p) => recreated.has(p));
  if (parent) return `${parent} recreated`;
  const mode = service.config.network_mode;
  if (mode?.startsWith("service:") && c.networkMode.startsWith("container:")) {
    const current = containers.find((p) => p.service === mode.slice("service:".length) && p.number === 1);
    if (current && !current.id.startsWith(c.networkMode.slice("container:".length))) return `${current.service} replaced`;
  }
  if (c.configHash !== service.hash) return "config changed";
  if (service.imageId && c.imageId !== service.imageId) return "image changed";
  const network = service.networks.find((n) => networkNodes.has(n) || (c.state === "running" && !c.networks.includes(n)));
  if (network) return `network ${network} missing`;
  const volume = service.volumes.find((v) => volumeNodes.has(v) || !c.volumes.includes(v));
  if (volume) return `volume ${volume} missing`;
  return undefined;
}

export interface DownOptions {
  /** every service of the project file, when there is one: containers of others are orphans */
  known?: Set<string>;
  removeOrphans?: boolean;
  /** -v: remove the project's volumes too */
  volumes?: boolean;
}

/**
 * Containers stop in reverse dependency order (read from their depends_on labels, so no compose file is
 * needed) and are removed once stopped; networks, and volumes with -v, go when no container is left.
 */
export function planDown(observed: ObservedState, options: DownOptions = {}): Plan {
  const plan = new PlanBuilder();
  const orphans: string[] = [];
  const all = [...observed.containers].sort(byServiceAndNumber);
  const isOrphan = (c: ObservedContainer) => options.known !== undefined && !c.oneoff && !options.known.has(c.service);
  const leaving = all.filter((c) => {
    if (!isOrphan(c) || options.removeOrphans) return true;
    orphans.push(c.name);
    return false;
  });

  // A container stops after the containers that depend on its service, so nothing loses a dependency while running.
  const stops = new Map<ObservedContainer, string>();
  const stopOf = (c: ObservedContainer, trail: Set<ObservedContainer>): string | undefined => {
    if (stops.has(c)) return stops.get(c);
    if (!RUNNING.includes(c.state) || trail.has(c)) return undefined; // labels written by hand may loop
    trail.add(c);
    const dependents = leaving.filter((d) => d !== c && d.dependsOn.some((dep) => dep.service === c.service));
    const after = dependents.map((d) => stopOf(d, trail));
    const id = plan.add({ kind: "stop-container", service: c.service, name: c.name, id: c.id }, after, isOrphan(c) ? "orphan" : undefined);
    stops.set(c, id);
    return id;
  };
  for (const c of leaving) stopOf(c, new Set());
  const removals = leaving.map((c) =>
    plan.add({ kind: "remove-container", service: c.service, name: c.name, id: c.id }, [stops.get(c)], isOrphan(c) ? "orphan" : undefined),
  );
  // Orphans left in place keep the networks they are on.
  const kept = new Set(all.filter((c) => !leaving.includes(c)).flatMap((c) => c.networks));
  for (const name of [...observed.networks].sort()) if (!kept.has(name)) plan.add({ kind: "remove-network", name }, removals);
  if (options.volumes) for (const name of [...observed.volumes].sort()) plan.add({ kind: "remove-volume", name }, removals);
  return { nodes: plan.nodes, unchanged: [], orphans };
}
