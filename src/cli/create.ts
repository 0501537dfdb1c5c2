// `berth create [SERVICE...]`: up's plan without the starts (docker compose create = up --no-start).
import { UserError } from "../compose/errors.js";
import { engine } from "../engine/client.js";
import { up } from "../orchestrate/up.js";
import { load, type GlobalOptions } from "./options.js";
import { BERTH_VERSION, stderrProgress, stderrWarn } from "./project-scope.js";

export interface CreateOptions {
  forceRecreate?: boolean;
  recreate: boolean;
  removeOrphans?: boolean;
}

export async function createCommand(globals: GlobalOptions, services: string[], options: CreateOptions): Promise<void> {
  if (options.forceRecreate && !options.recreate) throw new UserError("--force-recreate and --no-recreate are incompatible");
  const loaded = load(globals, services);
  const docker = await engine({ host: globals.host });
  const renderer = await stderrProgress(globals.progress);
  await up({
    docker,
    loaded,
    services,
    recreate: options.forceRecreate ? "force" : options.recreate ? "diverged" : "never",
    noStart: true,
    removeOrphans: options.removeOrphans,
    progress: renderer.progress,
    warn: stderrWarn,
    version: BERTH_VERSION,
  }).finally(() => renderer.stop());
}
