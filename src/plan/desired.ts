// What the project asks for, in the engine's names: each selected service's replicas, config hash, image,
// networks and volumes, and the networks and volumes to create.
import { UserError } from "../compose/errors.js";
import { serviceHash } from "../compose/hash.js";
import type { NetworkDefinition, Project, Service, VolumeDefinition } from "../compose/model.js";
import type { Graph } from "./graph.js";

export interface Dependency {
  service: string;
  condition: string;
  required: boolean;
  restart: boolean;
}

export interface DesiredService {
  name: string;
  config: Service;
  replicas: number;
  hash: string;
  image: string;
  /** the image's id on the engine; "" when the engine does not have it (yet: the plan pulls or builds it) */
  imageId: string;
  /** engine names of its networks, the first one the container is created on */
  networks: string[];
  /** engine names of the project's named volumes it mounts */
  volumes: string[];
  /** services whose containers it shares a namespace or volumes with: recreating them recreates it */
  parents: string[];
  /** every service it waits for, explicit (depends_on) or implied (network_mode: service:x, links...) */
  dependsOn: Dependency[];
}

export interface DesiredNetwork {
  key: string;
  name: string;
  definition: NetworkDefinition;
}

export interface DesiredVolume {
  key: string;
  name: string;
  definition: VolumeDefinition;
}

export interface DesiredState {
  project: string;
  /** the loaded project, for what the create requests need of it */
  model: Project;
  workingDir: string;
  configFiles: string[];
  /** the services `up` works on, in start order */
  services: DesiredService[];
  /** every service of the project: containers of any other service are orphans */
  known: Set<string>;
  networks: DesiredNetwork[];
  volumes: DesiredVolume[];
}

export interface DesiredOptions {
  project: Project;
  graph: Graph;
  workingDir: string;
  configFiles: string[];
  /** the services to bring up; all when empty */
  services: string[];
  /** with --no-deps: only those, not what they depend on */
  noDeps?: boolean;
  /** --scale SERVICE=N */
  scale?: Record<string, number>;
  /** image reference → id on the engine */
  imageIds: Record<string, string>;
}

const byKey = <T>(a: [string, T], b: [string, T]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

export function desiredState(options: DesiredOptions): DesiredState {
  const { project, graph } = options;
  const withDeps = options.services.length === 0 ? graph.services() : graph.closure(options.services); // closure checks the names
  const selected = options.noDeps && options.services.length > 0 ? options.services : withDeps;
  for (const name of Object.keys(options.scale ?? {})) {
    if (!Object.hasOwn(project.services, name)) throw new UserError(`no such service: ${name}`);
  }
  const order = graph.subgraph(selected).levels().flat();
  const services = order.map((name) => desiredService(project, graph, name, options));

  const networkKeys = new Set(services.flatMap((s) => Object.keys(s.config.networks ?? {})));
  const volumeKeys = new Set(services.flatMap((s) => (s.config.volumes ?? []).filter((v) => v.type === "volume" && v.source).map((v) => v.source!)));
  return {
    project: project.name,
    model: project,
    workingDir: options.workingDir,
    configFiles: options.configFiles,
    services,
    known: new Set(Object.keys(project.services)),
    networks: Object.entries(project.networks).filter(([key]) => networkKeys.has(key)).sort(byKey).map(([key, definition]) => ({ key, name: definition.name, definition })),
    volumes: Object.entries(project.volumes).filter(([key]) => volumeKeys.has(key)).sort(byKey).map(([key, definition]) => ({ key, name: definition.name, definition })),
  };
}

function desiredService(project: Project, graph: Graph, name: string, options: DesiredOptions): DesiredService {
  const config = project.services[name]!;
  const replicas = options.scale?.[name] ?? config.scale ?? config.deploy?.replicas ?? 1;
  if (config.container_name && replicas > 1) {
    throw new UserError(`services.${name}: cannot scale to ${replicas}: container_name "${config.container_name}" must be unique`);
  }
  const image = serviceImage(project.name, name, config);
  const edges = graph.edgesFrom(name);
  return {
    name,
    config,
    replicas,
    hash: serviceHash(config),
    image,
    imageId: options.imageIds[image] ?? "",
    networks: config.network_mode ? [] : serviceNetworks(config).map((key) => project.networks[key]!.name),
    volumes: (config.volumes ?? []).filter((v) => v.type === "volume" && v.source && project.volumes[v.source]).map((v) => project.volumes[v.source!]!.name),
    parents: parentServices(config),
    dependsOn: edges.map((e) => ({ service: e.to, condition: e.condition, required: e.required, restart: e.restart })),
  };
}

/**
 * Services whose container this one joins (`network_mode`, `ipc`, `pid: service:x`) or takes volumes from.
 * Read from the keys themselves: the loader also turns these into depends_on entries.
 */
function parentServices(config: Service): string[] {
  const parents = new Set<string>();
  for (const mode of [config.network_mode, config.ipc, config.pid]) if (mode?.startsWith("service:")) parents.add(mode.slice("service:".length));
  for (const entry of config.volumes_from ?? []) {
    const [first, second] = entry.split(":");
    if (first !== "container") parents.add(first === "service" ? second! : first!);
  }
  return [...parents];
}

/** The service's image: its `image:`, else, for a service built from a `build:` section, `<project>-<service>` (as Compose names it). */
export function serviceImage(project: string, name: string, config: Service): string {
  return config.image ?? `${project}-${name}`;
}

/** The service's network keys, highest priority first, then by name: as compose attaches them. */
export function serviceNetworks(config: Service): string[] {
  const priority = (key: string) => config.networks?.[key]?.priority ?? 0;
  return Object.keys(config.networks ?? {}).sort((a, b) => priority(b) - priority(a) || (a < b ? -1 : a > b ? 1 : 0));
}

/** `<project>-<service>-<n>`, or the service's container_name. */
export function containerName(project: string, service: DesiredService | { name: string; config: Service }, number: number): string {
  return service.config.container_name ?? `${project}-${service.name}-${number}`;
}
