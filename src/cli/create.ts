// `berth create [SERVICE...]`: up's plan without the starts (docker compose create = up --no-start).
import { UserError } from "../compose/errors.js";
import { engine } from "../engine/client.js";
import { up } from "../orchestrate/up.js";
import { load, type GlobalOptions } from "./options.js";
import { BERTH_VERSION, stderrProgress, stderrWarn } from "./project-scope.js";
import { parseScale } from "./up.js";

export interface CreateOptions {
  forceRecreate?: boolean;
  recreate: boolean;
  removeOrphans?: boolean;
  scale: string[];
  /** --build (true) / --no-build (false) */
  build?: boolean;
  pull?: "always" | "missing" | "never";
}

export async function createCommand(globals: GlobalOptions, services: string[], options: CreateOptions): Promise<void> {
  if (options.forceRecreate && !options.recreate) throw new UserError("--force-recreate and --no-recreate are incompatible");
  const scale = parseScale(options.scale);
  const loaded = load(globals, services);
  const docker = await engine({ host: globals.host });
  const renderer = await stderrProgress(globals.progress);
  await up({
    docker,
    loaded,
    services,
    scale,
    recreate: options.forceRecreate ? "force" : options.recreate ? "diverged" : "never",
    noStart: true,
    removeOrphans: options.removeOrphans,
    ...(options.build !== undefined && { build: options.build ? "always" : "never" }),
    pull: options.pull,
    progress: renderer.progress,
    warn: stderrWarn,
    version: BERTH_VERSION,
  }).finally(() => renderer.stop());
}
