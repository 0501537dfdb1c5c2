// Which project `ps` and `down` act on: the loaded compose project, or with `-p NAME` and no compose file
// around, just the name (everything else comes from the containers' labels).
import { createRequire } from "node:module";
import { UserError } from "../compose/errors.js";
import type { LoadedProject } from "../compose/load.js";
import { projectName } from "../compose/project-name.js";
import { progressRenderer, type ProgressMode, type Renderer } from "../orchestrate/progress.js";
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

/** Progress on standard error, as `--progress` asks (see progressRenderer). `stop` before writing anything else. */
export function stderrProgress(mode: ProgressMode = "auto"): Promise<Renderer> {
  return progressRenderer(mode, process.stderr, process.env);
}

export const stderrWarn = (message: string) => process.stderr.write(`WARN ${message}\n`);

/** `-t`/`--timeout` seconds. */
export function seconds(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new UserError(`invalid ${flag} "${text}": use a whole number of seconds`);
  return Number(text);
}
