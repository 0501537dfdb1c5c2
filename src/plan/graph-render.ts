// Drawing the dependency graph as text other tools render: Mermaid (Markdown, GitHub) and Graphviz DOT.
// Arrows point from a service to what it depends on; implicit dependencies are dashed.
import type { Edge, Graph } from "./graph.js";

const isImplicit = (edge: Edge) => edge.kind !== "depends_on";

/** What to write on an edge: the kind of an implicit dependency, or a `depends_on` condition other than the default. */
function label(edge: Edge): string | undefined {
  if (isImplicit(edge)) return edge.kind;
  return edge.condition === "service_started" ? undefined : edge.condition;
}

export function toMermaid(graph: Graph): string {
  // Generated ids, because a service name can be a Mermaid keyword (`end`) or read as arrow syntax (`o`, `x`)
  const services = graph.services();
  const id = new Map(services.map((name, i) => [name, `s${i}`]));
  const lines = ["flowchart TD", ...services.map((name) => `  ${id.get(name)}["${name}"]`)];
  for (const edge of graph.edges()) {
    const arrow = isImplicit(edge) ? "-.->" : "-->";
    const text = label(edge);
    lines.push(`  ${id.get(edge.from)} ${arrow}${text ? `|${text}|` : ""} ${id.get(edge.to)}`);
  }
  return lines.join("\n") + "\n";
}

/** A DOT quoted string; service names are quoted because `-` and `.` are not allowed in bare DOT ids. */
const quote = (text: string) => `"${text.replaceAll('"', '\\"')}"`;

export function toDot(graph: Graph): string {
  const lines = ["digraph services {", ...graph.services().map((name) => `  ${quote(name)};`)];
  for (const edge of graph.edges()) {
    const text = label(edge);
    const attributes: string[] = [];
    if (isImplicit(edge)) attributes.push("style=dashed");
    if (text) attributes.push(`label=${quote(text)}`);
    const suffix = attributes.length > 0 ? ` [${attributes.join(", ")}]` : "";
    lines.push(`  ${quote(edge.from)} -> ${quote(edge.to)}${suffix};`);
  }
  return lines.join("\n") + "\n}\n";
}
