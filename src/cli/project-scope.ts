// Which project `ps` and `down` act on: the loaded compose project, or with `-p NAME` and no compose file
// around, just the name (everything else comes from the containers' labels).
import { createRequire } from "node:module";
import { UserError } from "../compose/errors.js";
import type { LoadedProject } from "../compose/load.js";
import { projectName } from "../compose/project-name.js";
import { lineRenderer, type Progress } from "../orchestrate/progress.js";
import { ttyRenderer } from "../orchestrate/progress-tty.js";
import { load, type GlobalOptions } from "./options.js";

export const { version: BERTH_VERSION } = createRequire(import.meta.url)("../../package.json") as { version: string };

export interface ProjectScope {
  name: string;
  loaded?: LoadedProject;
}

export function projectScope(globals: GlobalOptions): ProjectScope {
  if (globals.projectName === undefined || globals.file.length > 0) {
    const loaded = load(globals, []);
    return { name: loaded.name, loaded };
  }
  try {
    const loaded = load(globals, []);
    return { name: loaded.name, loaded };
  } catch (err) {
    if (!(err instanceof UserError) || !err.message.startsWith("no compose file found")) throw err;
    return { name: projectName({ flag: globals.projectName, projectDir: process.cwd() }) };
  }
}

/**
 * Progress on standard error: a task list redrawn in place on a terminal; every event as a plain line when it is
 * not one, or with CI set (no spinner frames in logs). `stop` before writing anything else.
 */
export function stderrProgress(): { progress: Progress; stop(): void } {
  const write = (text: string) => void process.stderr.write(text);
  if (process.stderr.isTTY && !process.env.CI) return ttyRenderer(write, process.stderr.columns || 80);
  return { progress: lineRenderer(write), stop: () => {} };
}

export const stderrWarn = (message: string) => process.stderr.write(`WARN ${message}\n`);

/** `-t`/`--timeout` seconds. */
export function seconds(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new UserError(`invalid ${flag} "${text}": use a whole number of seconds`);
  return Number(text);
}
