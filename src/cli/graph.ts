// `berth graph`: the dependency graph as Mermaid or Graphviz DOT.
import { toDot, toMermaid } from "../plan/graph-render.js";
import { load, type GlobalOptions } from "./options.js";
import { emit } from "./output.js";

export async function graphCommand(globals: GlobalOptions, services: string[], options: { format: "mermaid" | "dot" }): Promise<void> {
  const { graph } = load(globals, services);
  const shown = services.length > 0 ? graph.subgraph(graph.closure(services)) : graph;
  emit(options.format === "dot" ? toDot(shown) : toMermaid(shown));
}
