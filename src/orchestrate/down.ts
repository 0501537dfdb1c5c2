// `down`: from the project's labels alone, stop and remove its containers, then its networks (and volumes with -v).
import type Docker from "dockerode";
import { orphanWarning, type Plan } from "../plan/plan.js";
import { planDown, type DownOptions } from "../plan/reconcile.js";
import { runDag } from "./executor.js";
import { observeByLabel } from "./observe.js";
import { operationRunner } from "./operations.js";
import type { Progress } from "./progress.js";

export interface DownRequest extends DownOptions {
  docker: Docker;
  project: string;
  parallel?: number;
  stopTimeout?: number;
  progress: Progress;
  warn: (message: string) => void;
  version: string;
}

export async function down(request: DownRequest): Promise<Plan> {
  const { docker } = request;
  const plan = planDown(await observeByLabel(docker, request.project), request);
  if (plan.orphans.length > 0) request.warn(orphanWarning(plan.orphans));
  const run = operationRunner({ docker, progress: request.progress, version: request.version, stopTimeout: request.stopTimeout, removeVolumes: request.volumes });
  await runDag(plan.nodes, run, { parallel: request.parallel });
  return plan;
}
