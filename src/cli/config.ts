// `berth config`: validate the project and print its canonical form, or one facet of it (docker compose config).
import { UserError } from "../compose/errors.js";
import { serviceHash } from "../compose/hash.js";
import type { Project } from "../compose/model.js";
import type { Dict } from "../compose/parse.js";
import { load, loadUninterpolated, type GlobalOptions } from "./options.js";
import { emit, lines, render, sortedKeys } from "./output.js";

export interface ConfigOptions {
  format: "yaml" | "json";
  quiet?: boolean;
  services?: boolean;
  volumes?: boolean;
  networks?: boolean;
  profiles?: boolean;
  images?: boolean;
  hash?: string;
  interpolate: boolean;
  output?: string;
}

export async function configCommand(globals: GlobalOptions, services: string[], options: ConfigOptions): Promise<void> {
  const out = (text: string) => emit(text, options.output);
  if (!options.interpolate) {
    const { merged } = loadUninterpolated(globals, services);
    if (!options.quiet) out(render(printable(merged), options.format));
    return;
  }
  const loaded = load(globals, services);
  const project = selectServices(loaded.project, services.length > 0 ? loaded.graph.closure(services) : undefined);
  if (options.quiet) return;

  if (options.services) return out(lines(loaded.graph.levels().flat().filter((name) => name in project.services))); // dependencies first, as Compose lists them
  if (options.volumes) return out(lines(Object.keys(project.volumes).sort()));
  if (options.networks) return out(lines(Object.keys(project.networks).sort()));
  if (options.profiles) return out(lines(loaded.profiles));
  if (options.images) return out(lines(Object.entries(project.services).sort().map(([name, svc]) => svc.image ?? `${project.name}-${name}`)));
  if (options.hash !== undefined) return out(lines(hashes(project, options.hash)));
  out(render(printable(project), options.format));
}

/** As Compose prints a project: `name` first, then the rest sorted, without empty top-level sections. */
function printable({ name, ...sections }: Project | Dict): object {
  const kept = Object.entries(sections).filter(([key, value]) => key === "services" || !isEmptyMap(value));
  return { name, ...(sortedKeys(Object.fromEntries(kept)) as object) };
}

const isEmptyMap = (value: unknown) => value !== null && typeof value === "object" && Object.keys(value).length === 0;

function selectServices(project: Project, names: string[] | undefined): Project {
  if (!names) return project;
  const services = Object.fromEntries(names.map((name) => [name, project.services[name]!]));
  return { ...project, services };
}

function hashes(project: Project, which: string): string[] {
  const names = (which === "*" ? Object.keys(project.services) : which.split(",").map((s) => s.trim())).sort();
  return names.map((name) => {
    const service = project.services[name];
    if (!service) throw new UserError(`--hash: no such service: ${name}`);
    return `${name} ${serviceHash(service)}`;
  });
}
