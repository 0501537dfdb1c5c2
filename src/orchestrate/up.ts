// `up`: observe → plan → execute, then optionally wait until every service is running or healthy.
import type Docker from "dockerode";
import { UserError } from "../compose/errors.js";
import type { LoadedProject } from "../compose/load.js";
import { desiredState, serviceImage, type DesiredState } from "../plan/desired.js";
import { listedHealth, type ObservedContainer } from "../plan/observe.js";
import { orphanWarning, type Plan } from "../plan/plan.js";
import { planUp, type UpOptions } from "../plan/reconcile.js";
import { runDag } from "./executor.js";
import { withEnvironmentContent } from "./file-objects.js";
import { imageIds, observeForUp, projectContainers } from "./observe.js";
import { operationRunner, startsEarly } from "./operations.js";
import { imagePulledAt } from "./pull.js";
import type { Progress } from "./progress.js";
import { completedSuccessfully, runningOrHealthy, waitFor } from "./wait.js";

export interface UpRequest extends UpOptions {
  docker: Docker;
  loaded: LoadedProject;
  services: string[];
  noDeps?: boolean;
  scale?: Record<string, number>;
  dryRun?: boolean;
  /** --wait: until every service runs (healthy when it has a healthcheck) */
  wait?: boolean;
  /** --wait-timeout, seconds */
  waitTimeout?: number;
  parallel?: number;
  stopTimeout?: number;
  progress: Progress;
  warn: (message: string) => void;
  version: string;
}

export async function up(request: UpRequest): Promise<Plan> {
  const { docker, loaded } = request;
  const project = withEnvironmentContent(loaded.project, loaded.lookup);
  const images = [...new Set(Object.entries(project.services).map(([name, s]) => serviceImage(project.name, name, s)))];
  const desiredNow = async (ids?: Promise<Record<string, string>>) =>
    desiredState({
      project,
      graph: loaded.graph,
      workingDir: loaded.projectDir,
      configFiles: loaded.configFiles,
      services: request.services,
      noDeps: request.noDeps,
      scale: request.scale,
      imageIds: await (ids ?? imageIds(docker, images)),
    });
  // One round trip to the engine: the images and what exists (every network and volume the project declares).
  const ids = imageIds(docker, images);
  const early = startsPipelined(docker);
  const observing = observeForUp(docker, project.name, Object.values(project.networks).map((n) => n.name), Object.values(project.volumes).map((v) => v.name));
  observing.catch(() => {}); // awaited below, unless desiredNow fails first
  let desired = await desiredNow(ids);
  const observed = await observing;
  let plan = planUp(observed, desired, { ...request, imagePulledAt: await imagePulledAt(docker, desired.services) });
  if (plan.orphans.length > 0) request.warn(orphanWarning(plan.orphans));
  if (request.dryRun) return plan;
  // Builds and pulls go first: only then is it known whether an image got a new id, which recreates its containers.
  const imageSteps = plan.nodes.filter((n) => n.op.kind === "build-image" || n.op.kind === "pull-image");
  if (imageSteps.length > 0) {
    await runDag(imageSteps, operationRunner({ docker, desired, progress: request.progress, version: request.version }), { parallel: request.parallel });
    desired = await desiredNow();
    // every image is there now: the new plan pulls and builds nothing
    plan = planUp(observed, desired, { ...request, build: "never", pull: "never" });
  }
  for (const name of plan.unchanged) request.progress({ resource: `Container ${name}`, text: "Running", status: "done" });
  await runDag(plan.nodes, operationRunner({ docker, desired, progress: request.progress, version: request.version, stopTimeout: request.stopTimeout }), {
    parallel: request.parallel,
    ...((await early) && { early: startsEarly }),
  });
  if (request.wait && !request.noStart) await waitForServices(docker, desired, request);
  return plan;
}

/**
 * Whether starts may begin early (startsEarly): only berthd knows berth-after, and only on this machine is the
 * client's clock the engine's, which the order's times are compared against.
 */
async function startsPipelined(docker: Docker): Promise<boolean> {
  if (!(docker.modem as { socketPath?: string }).socketPath) return false;
  return docker.version().then((v) => v.Platform?.Name === "berth", () => false);
}

/**
 * What the list already tells: running, and healthy or without a healthcheck (the engine's status then names no
 * health, as Docker's "Up 2 seconds (healthy)" does), needs no inspect.
 */
function listedReady(c: ObservedContainer): boolean {
  const health = listedHealth(c.status);
  return c.state === "running" && (health === undefined || health === "healthy");
}

/** Every container of the selected services running (healthy if it has a healthcheck), or exited 0 when something waits for that. */
async function waitForServices(docker: Docker, desired: DesiredState, request: UpRequest): Promise<void> {
  const completes = new Set(desired.services.flatMap((s) => s.dependsOn.filter((d) => d.condition === "service_completed_successfully").map((d) => d.service)));
  const selected = new Set(desired.services.map((s) => s.name));
  const containers = (await projectContainers(docker, desired.project)).filter((c) => selected.has(c.service));
  const timeout = request.waitTimeout !== undefined ? AbortSignal.timeout(request.waitTimeout * 1000) : undefined;
  try {
    await Promise.all(
      containers.map(async (c) => {
        const resource = `Container ${c.name}`;
        request.progress({ resource, text: "Waiting", status: "working" });
        if (completes.has(c.service) || !listedReady(c)) await waitFor(docker, c.id, completes.has(c.service) ? completedSuccessfully : runningOrHealthy, timeout);
        request.progress({ resource, text: completes.has(c.service) ? "Exited" : "Healthy", status: "done" });
      }),
    );
  } catch (err) {
    if (timeout?.aborted) throw new UserError(`application not healthy after ${request.waitTimeout}s`);
    throw err;
  }
}
