// The service dependency graph: which services wait for which, and in what order they start and stop.
import { UserError, type Loc, type Path } from "../compose/errors.js";
import { closest } from "../compose/suggest.js";

/** The fields of a service that name other services (the loader's model has many more). */
export interface GraphService {
  depends_on?: Record<string, Dependency>;
  network_mode?: string;
  ipc?: string;
  pid?: string;
  volumes_from?: string[];
  links?: string[];
}

interface Dependency {
  condition: string;
  required: boolean;
  restart?: boolean;
}

/** The key that made one service depend on another: `depends_on`, or an implicit reference to it. */
export type EdgeKind = "depends_on" | "network_mode" | "ipc" | "pid" | "volumes_from" | "links";

/** `from` needs `to` started first. */
export interface Edge {
  from: string;
  to: string;
  kind: EdgeKind;
  condition: string;
  required: boolean;
  restart: boolean;
  /** the key that declares the dependency, so errors can point at it */
  path: Path;
}

const NAMESPACE_KINDS = ["network_mode", "ipc", "pid"] as const;

// As in compose-go: an implicit reference waits for the service to start, and a service that shares
// another's namespaces or links to it is restarted with it.
const implicit = (restart: boolean): Dependency => ({ condition: "service_started", required: true, restart });

/** Every edge from `name`; when several keys name the same service, `depends_on` wins, then the first. */
function edgesOf(name: string, service: GraphService): Edge[] {
  const edges = new Map<string, Edge>();
  const at = (...keys: (string | number)[]): Path => ["services", name, ...keys];
  const add = (to: string, kind: EdgeKind, path: Path, dep: Dependency) => {
    if (edges.has(to)) return;
    edges.set(to, { from: name, to, kind, condition: dep.condition, required: dep.required, restart: dep.restart ?? false, path });
  };

  for (const [to, dep] of Object.entries(service.depends_on ?? {})) add(to, "depends_on", at("depends_on", to), dep);
  for (const kind of NAMESPACE_KINDS) {
    const value = service[kind];
    if (value?.startsWith("service:")) add(value.slice("service:".length), kind, at(kind), implicit(true));
  }
  service.volumes_from?.forEach((entry, i) => {
    const [source, second] = entry.split(":");
    if (source === "container") return; // a container outside the project, not a service
    add(source === "service" ? second : source, "volumes_from", at("volumes_from", i), implicit(false));
  });
  service.links?.forEach((link, i) => add(link.split(":")[0], "links", at("links", i), implicit(true)));
  return [...edges.values()];
}

/** ` (did you mean "db"?)` when a known name is close enough to `name` to be what the user meant. */
function suggestion(name: string, known: string[]): string {
  // up to two typos, fewer than the name has letters (any two-letter name is two edits from any other)
  const best = closest(name, known, Math.min(2, name.length - 1));
  return best ? ` (did you mean "${best}"?)` : "";
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function groupBy(edges: Edge[], key: (edge: Edge) => string): Map<string, Edge[]> {
  const groups = new Map<string, Edge[]>();
  for (const edge of edges) {
    const group = groups.get(key(edge));
    if (group) group.push(edge);
    else groups.set(key(edge), [edge]);
  }
  return groups;
}

/**
 * Groups acyclic `names` into levels whose members only wait for members of earlier levels, so each
 * level can run in parallel once the previous one is done.
 */
function layers(names: string[], waitsFor: (name: string) => string[]): string[][] {
  const waiting = new Map(names.map((name) => [name, new Set(waitsFor(name))]));
  const levels: string[][] = [];
  while (waiting.size > 0) {
    const ready = [...waiting.keys()].filter((name) => waiting.get(name)?.size === 0);
    for (const name of ready) waiting.delete(name);
    for (const blockers of waiting.values()) for (const name of ready) blockers.delete(name);
    levels.push(ready);
  }
  return levels;
}

/** An acyclic dependency graph. Every list it returns is sorted. */
class Graph {
  private readonly names: string[];
  private readonly sortedEdges: Edge[];
  private readonly outgoing: Map<string, Edge[]>;
  private readonly incoming: Map<string, Edge[]>;

  constructor(names: string[], edges: Edge[]) {
    this.names = [...names].sort(compare);
    this.sortedEdges = [...edges].sort((a, b) => compare(a.from, b.from) || compare(a.to, b.to));
    this.outgoing = groupBy(this.sortedEdges, (edge) => edge.from);
    this.incoming = groupBy(this.sortedEdges, (edge) => edge.to);
  }

  services(): string[] {
    return [...this.names];
  }

  /** Sorted by dependent, then dependency. */
  edges(): Edge[] {
    return [...this.sortedEdges];
  }

  /** The edges to the services `name` waits for. */
  edgesFrom(name: string): Edge[] {
    return [...(this.outgoing.get(name) ?? [])];
  }

  /** The services `name` waits for. */
  dependencies(name: string): string[] {
    return this.edgesFrom(name).map((edge) => edge.to);
  }

  /** The services that wait for `name`. */
  dependents(name: string): string[] {
    return (this.incoming.get(name) ?? []).map((edge) => edge.from);
  }

  /** Start order: level 0 depends on nothing. */
  levels(): string[][] {
    return layers(this.names, (name) => this.dependencies(name));
  }

  /** Stop order: level 0 has no dependents, so no service stops while another still needs it. */
  reverseLevels(): string[][] {
    return layers(this.names, (name) => this.dependents(name));
  }

  /** `names` and everything they depend on, directly or not: what `berth up <names>` starts. */
  closure(names: string[]): string[] {
    const seen = new Set<string>();
    const visit = (name: string) => {
      if (seen.has(name)) return;
      if (!this.names.includes(name)) {
        throw new UserError(`no such service "${name}"${suggestion(name, this.names)}`);
      }
      seen.add(name);
      this.dependencies(name).forEach(visit);
    };
    names.forEach(visit);
    return [...seen].sort(compare);
  }

  /** Only the services in `names` and the edges between them: e.g. the part `berth up <names>` starts. */
  subgraph(names: string[]): Graph {
    const kept = new Set(names.filter((name) => this.names.includes(name)));
    return new Graph([...kept], this.sortedEdges.filter((edge) => kept.has(edge.from) && kept.has(edge.to)));
  }
}

// Exported as a type only: buildGraph is the one way to make a Graph, so every Graph is acyclic.
export type { Graph };

/** The edges of the first cycle found, each leading to the next and the last back to the first. */
function findCycle(graph: Graph): Edge[] | undefined {
  const done = new Set<string>();
  const trail: Edge[] = []; // the edges walked from the current starting service
  const visit = (name: string): Edge[] | undefined => {
    const start = trail.findIndex((edge) => edge.from === name);
    if (start >= 0) return trail.slice(start);
    if (done.has(name)) return undefined;
    for (const edge of graph.edgesFrom(name)) {
      trail.push(edge);
      const cycle = visit(edge.to);
      if (cycle) return cycle;
      trail.pop();
    }
    done.add(name);
    return undefined;
  };
  for (const name of graph.services()) {
    const cycle = visit(name);
    if (cycle) return cycle;
  }
  return undefined;
}

/**
 * The dependency graph of `services`. Throws a UserError, located with `locate`, for a reference to an
 * undefined service or a dependency cycle.
 */
export function buildGraph(services: Record<string, GraphService>, locate?: (path: Path) => Loc | undefined): Graph {
  const names = Object.keys(services).sort(compare);
  const edges: Edge[] = [];
  for (const name of names) {
    for (const edge of edgesOf(name, services[name])) {
      if (Object.hasOwn(services, edge.to)) edges.push(edge);
      // a service left out (e.g. by profiles) may be an optional dependency: Compose only warns when starting
      else if (edge.required) {
        const detail = `depends on undefined service "${edge.to}"${suggestion(edge.to, names)}`;
        throw new UserError(detail, { loc: locate?.(edge.path), path: edge.path });
      }
    }
  }

  const graph = new Graph(names, edges);
  const cycle = findCycle(graph);
  if (cycle) {
    const round = [...cycle.map((edge) => edge.from), cycle[0].from];
    throw new UserError(`dependency cycle: ${round.join(" -> ")}`, { loc: locate?.(cycle[0].path), path: cycle[0].path });
  }
  return graph;
}
