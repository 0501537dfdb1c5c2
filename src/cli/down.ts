// `berth down`: stop and remove the project's containers and networks (and volumes with -v, images with --rmi),
// found by their labels.
import { engine } from "../engine/client.js";
import { parallelLimit } from "../orchestrate/executor.js";
import { down } from "../orchestrate/down.js";
import { removeImagesMode } from "../plan/down-images.js";
import type { GlobalOptions } from "./options.js";
import { BERTH_VERSION, projectScope, seconds, stderrProgress, stderrWarn } from "./project-scope.js";

export interface DownCommandOptions {
  volumes?: boolean;
  removeOrphans?: boolean;
  timeout?: string;
  parallel?: string;
  /** local or all */
  rmi?: string;
}

export async function downCommand(globals: GlobalOptions, options: DownCommandOptions): Promise<void> {
  const images = removeImagesMode(options.rmi);
  const stopTimeout = seconds(options.timeout, "--timeout");
  const parallel = parallelLimit(options.parallel, process.env);
  const scope = projectScope(globals);
  const docker = await engine({ host: globals.host });
  const renderer = await stderrProgress(globals.progress);
  const result = await down({
    docker,
    project: scope.name,
    model: scope.loaded?.project,
    images,
    known: scope.loaded ? new Set(Object.keys(scope.loaded.project.services)) : undefined,
    removeOrphans: options.removeOrphans,
    volumes: options.volumes,
    parallel,
    stopTimeout,
    progress: renderer.progress,
    warn: stderrWarn,
    version: BERTH_VERSION,
  }).finally(() => renderer.stop());
  if (result.plan.nodes.length === 0 && result.images.length === 0) stderrWarn(`No resource found to remove for project "${scope.name}".`);
}
