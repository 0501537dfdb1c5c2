// `berth pull [SERVICE...]` and `berth push [SERVICE...]`: the project's service images from and to their
// registries, as `docker compose pull|push`, with each layer's progress on standard error.
import { engine } from "../engine/client.js";
import { parallelLimit } from "../orchestrate/executor.js";
import { pullProject, pushProject } from "../orchestrate/pull.js";
import { load, type GlobalOptions } from "./options.js";
import { stderrProgress, stderrWarn } from "./project-scope.js";

export interface TransferOptions {
  quiet?: boolean;
  includeDeps?: boolean;
}

export interface PullOptions extends TransferOptions {
  ignorePullFailures?: boolean;
  ignoreBuildable?: boolean;
  policy?: "missing" | "always";
}

export interface PushOptions extends TransferOptions {
  ignorePushFailures?: boolean;
}

export async function pullCommand(globals: GlobalOptions, services: string[], options: PullOptions): Promise<void> {
  const loaded = load(globals, services);
  const docker = await engine({ host: globals.host });
  const renderer = await stderrProgress(options.quiet ? "quiet" : globals.progress);
  await pullProject({
    docker,
    loaded,
    services,
    includeDeps: options.includeDeps,
    ignoreFailures: options.ignorePullFailures,
    ignoreBuildable: options.ignoreBuildable,
    policy: options.policy,
    parallel: parallelLimit(undefined, process.env),
    progress: renderer.progress,
    warn: stderrWarn,
  }).finally(() => renderer.stop());
}

export async function pushCommand(globals: GlobalOptions, services: string[], options: PushOptions): Promise<void> {
  const loaded = load(globals, services);
  const docker = await engine({ host: globals.host });
  const renderer = await stderrProgress(options.quiet ? "quiet" : globals.progress);
  await pushProject({
    docker,
    loaded,
    services,
    includeDeps: options.includeDeps,
    ignoreFailures: options.ignorePushFailures,
    parallel: parallelLimit(undefined, process.env),
    progress: renderer.progress,
    warn: stderrWarn,
  }).finally(() => renderer.stop());
}
