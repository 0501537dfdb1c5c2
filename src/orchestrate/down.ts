// `down`: from the project's labels alone, stop and remove its containers, then its networks (and volumes with
// -v); with --rmi, then the images its services used.
import type Docker from "dockerode";
import type { Project } from "../compose/model.js";
import { imagesToRemove, type RemoveImages } from "../plan/down-images.js";
import { orphanWarning, type Plan } from "../plan/plan.js";
import { planDown, type DownOptions } from "../plan/reconcile.js";
import { engineCall, isStatus, tolerating } from "./engine-call.js";
import { runDag } from "./executor.js";
import { observeByLabel } from "./observe.js";
import { operationRunner } from "./operations.js";
import type { Progress } from "./progress.js";

export interface DownRequest extends DownOptions {
  docker: Docker;
  project: string;
  /** the compose file's project, when there is one: --rmi takes its services' images */
  model?: Project;
  /** --rmi */
  images?: RemoveImages;
  parallel?: number;
  stopTimeout?: number;
  progress: Progress;
  warn: (message: string) => void;
  version: string;
}

export interface DownResult {
  plan: Plan;
  /** the images --rmi removed */
  images: string[];
}

export async function down(request: DownRequest): Promise<DownResult> {
  const { docker } = request;
  const observed = await observeByLabel(docker, request.project);
  const plan = planDown(observed, request);
  if (plan.orphans.length > 0) request.warn(orphanWarning(plan.orphans));
  const run = operationRunner({ docker, progress: request.progress, version: request.version, stopTimeout: request.stopTimeout, removeVolumes: request.volumes });
  await runDag(plan.nodes, run, { parallel: request.parallel });
  if (!request.images) return { plan, images: [] };
  const removed = observed.containers.filter((c) => !plan.orphans.includes(c.name));
  const candidates = imagesToRemove(request.images, request.project, request.model, removed).map((image) => ({ id: image, after: [] }));
  const images: string[] = [];
  const remove = async ({ id: image }: { id: string }) => {
    if (await removeImage(docker, image, request.progress)) images.push(image);
  };
  await runDag(candidates, remove, { parallel: request.parallel });
  return { plan, images: images.sort() };
}

/**
 * Removes (or untags) one image, and says whether it did: the engine may have none by that name, and one that
 * something else still uses — a container of another project, berthd's built-in image — stays, with a warning
 * as compose gives.
 */
async function removeImage(docker: Docker, image: string, progress: Progress): Promise<boolean> {
  const resource = `Image ${image}`;
  try {
    await docker.getImage(image).inspect();
  } catch (err) {
    if (isStatus(err, 404)) return false;
    return engineCall(() => Promise.reject(err));
  }
  progress({ resource, text: "Removing", status: "working" });
  try {
    await tolerating([404], () => docker.getImage(image).remove()); // 404: removed meanwhile, by someone else
  } catch (err) {
    if (!isStatus(err, 409)) return engineCall(() => Promise.reject(err));
    const reason = (err as { json?: { message?: string } }).json?.message;
    progress({ resource, text: "Resource is still in use", status: "warning", ...(reason && { detail: reason }) });
    return false;
  }
  progress({ resource, text: "Removed", status: "done" });
  return true;
}
