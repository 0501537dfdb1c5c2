// `berth ls`: the projects the engine has containers of, found by their labels alone (docker compose ls).
import { UserError } from "../compose/errors.js";
import { engine } from "../engine/client.js";
import { engineCall } from "../orchestrate/engine-call.js";
import { LABEL } from "../plan/labels.js";
import type { GlobalOptions } from "./options.js";
import { lines } from "./output.js";
import { table } from "./project-info.js";

export interface LsOptions {
  all?: boolean;
  quiet?: boolean;
  format: "table" | "json";
  /** name=PATTERN, repeatable */
  filter: string[];
}

interface ProjectSummary {
  Name: string;
  /** "exited(1), running(2)" */
  Status: string;
  ConfigFiles: string;
}

export async function lsCommand(globals: GlobalOptions, options: LsOptions): Promise<void> {
  const named = nameFilter(options.filter);
  const docker = await engine({ host: globals.host });
  const containers = await engineCall(() => docker.listContainers({ all: true, filters: { label: [LABEL.project] } }));
  const byProject = new Map<string, { states: Map<string, number>; configFiles: string }>();
  for (const c of containers) {
    const name = c.Labels[LABEL.project]!;
    const project = byProject.get(name) ?? { states: new Map(), configFiles: c.Labels[LABEL.configFiles] ?? "" };
    project.states.set(c.State, (project.states.get(c.State) ?? 0) + 1);
    byProject.set(name, project);
  }
  const projects: ProjectSummary[] = [...byProject]
    .filter(([name, p]) => (options.all || p.states.has("running")) && named(name))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, p]) => ({ Name: name, Status: [...p.states].sort(([a], [b]) => (a < b ? -1 : 1)).map(([state, n]) => `${state}(${n})`).join(", "), ConfigFiles: p.configFiles }));
  if (options.quiet) return void process.stdout.write(lines(projects.map((p) => p.Name)));
  if (options.format === "json") return void process.stdout.write(JSON.stringify(projects) + "\n");
  process.stdout.write(table([["NAME", "STATUS", "CONFIG FILES"], ...projects.map((p) => [p.Name, p.Status, p.ConfigFiles])]));
}

/**
 * `--filter name=PATTERN` as docker compose ls takes it (the docker CLI's filter flag): a project is listed when
 * any of the patterns, read as regular expressions, matches somewhere in its name; `name` is the only key.
 */
export function nameFilter(filters: string[]): (name: string) => boolean {
  const patterns = filters.map((filter) => {
    const [key, ...rest] = filter.split("=");
    if (rest.length === 0) throw new UserError(`bad format of filter "${filter}" (expected name=value)`);
    if (key!.trim().toLowerCase() !== "name") throw new UserError(`invalid filter '${key}'`);
    return rest.join("=").trim();
  });
  if (patterns.length === 0) return () => true;
  return (name) =>
    patterns.some((pattern) => {
      try {
        return new RegExp(pattern).test(name);
      } catch {
        return false; // as docker: a pattern that is no regular expression matches nothing
      }
    });
}
