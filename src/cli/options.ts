// Global command-line options → loader options, shared by every command that reads the compose project.
import { formatWarning, type Warning } from "../compose/errors.js";
import { loadModel, loadProject, type LoadedModel, type LoadOptions, type LoadedProject } from "../compose/load.js";
import type { ProgressMode } from "../orchestrate/progress.js";

export interface GlobalOptions {
  file: string[];
  projectName?: string;
  projectDirectory?: string;
  envFile: string[];
  profile: string[];
  /** `--host`: the engine client commands drive (see engine/client.ts) */
  host?: string;
  /** `--progress`: how commands show their progress on standard error (default auto) */
  progress?: ProgressMode;
}

/** Prints each distinct warning once, on standard error. */
export function stderrWarnings(): (w: Warning) => void {
  const seen = new Set<string>();
  return (w) => {
    const line = formatWarning(w);
    if (seen.has(line)) return;
    seen.add(line);
    process.stderr.write(`WARN ${line}\n`);
  };
}

export function loadOptions(globals: GlobalOptions, services: string[], extra: Partial<LoadOptions> = {}): LoadOptions {
  return {
    cwd: process.cwd(),
    files: globals.file,
    projectName: globals.projectName,
    projectDirectory: globals.projectDirectory,
    envFiles: globals.envFile,
    profiles: globals.profile,
    services,
    shell: process.env,
    warn: stderrWarnings(),
    ...extra,
  };
}

export function load(globals: GlobalOptions, services: string[]): LoadedProject {
  return loadProject(loadOptions(globals, services));
}

/** The merged files, variables left as written (`config --no-interpolate`). */
export function loadUninterpolated(globals: GlobalOptions, services: string[]): LoadedModel {
  return loadModel(loadOptions(globals, services, { interpolate: false }));
}
