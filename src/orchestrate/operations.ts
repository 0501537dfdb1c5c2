// One engine call per plan operation, each announced by progress events. Decisions were made by the planner:
// this only carries them out.
import type Docker from "dockerode";
import { UserError } from "../compose/errors.js";
import type { NetworkDefinition, VolumeDefinition } from "../compose/model.js";
import { containerName, type DesiredState } from "../plan/desired.js";
import { LABEL } from "../plan/labels.js";
import type { Operation, PlanNode } from "../plan/plan.js";
import { buildServiceImage } from "./build.js";
import { createRequest } from "./create-request.js";
import { engineCall, tolerating } from "./engine-call.js";
import { fileObjects, injectFileObjects } from "./file-objects.js";
import type { Progress } from "./progress.js";
import { pullImage } from "./pull.js";
import { completedSuccessfully, ContainerFailed, healthy, waitFor } from "./wait.js";

export interface OperationContext {
  docker: Docker;
  progress: Progress;
  /** for creates and waits; down plans have none */
  desired?: DesiredState;
  version: string;
  /** -t: seconds a container gets to stop before it is killed (default: its own StopTimeout) */
  stopTimeout?: number;
  /** remove containers' anonymous volumes with them (down -v) */
  removeVolumes?: boolean;
}

/**
 * runDag's `early` against berthd: a container's start may begin while its service_started dependencies' starts are
 * under way. berthd sets its process up at once and lets it exec only once they have started (berth-after), so a
 * chain of services is prepared all at once and only their execs keep the order.
 */
export const startsEarly = (node: PlanNode, dependency: PlanNode) => node.op.kind === "start-container" && dependency.op.kind === "start-container";

/**
 * `signal` aborts when another operation of the plan failed: waits give up then. `running`: the dependencies still
 * under way of a node begun early (startsEarly).
 */
export function operationRunner(ctx: OperationContext): (node: PlanNode, signal?: AbortSignal, running?: PlanNode[]) => Promise<void> {
  /** start node → when its request went out (ms since the epoch): what berth-after names */
  const startsSent = new Map<string, number>();
  return (node, signal, running = []) => {
    if (node.op.kind === "start-container") startsSent.set(node.id, Date.now());
    const after = running.flatMap((d) => (d.op.kind === "start-container" ? [`${d.op.name}@${startsSent.get(d.id)}`] : []));
    return engineCall(() => run(node.op, ctx, signal, after));
  };
}

async function run(op: Operation, ctx: OperationContext, signal: AbortSignal | undefined, after: string[]): Promise<void> {
  const { docker, progress } = ctx;
  /** `done` undefined: the step is part of a longer one whose last step reports it (a recreate ends with the rename) */
  const step = async (resource: string, working: string, done: string | undefined, call: () => Promise<unknown>) => {
    progress({ resource, text: working, status: "working" });
    await call();
    if (done) progress({ resource, text: done, status: "done" });
  };
  switch (op.kind) {
    case "pull-image":
      return step(`Image ${op.image}`, "Pulling", "Pulled", () => pull(docker, op.image, progress));
    case "build-image": {
      const service = ctx.desired!.services.find((s) => s.name === op.service)!;
      return step(`Image ${op.image}`, "Building", "Built", () => buildServiceImage(docker, { service: op.service, config: service.config, image: op.image }));
    }
    case "create-network":
      return step(`Network ${op.name}`, "Creating", "Created", () => docker.createNetwork(networkRequest(op.name, op.key, op.definition, ctx)));
    case "create-volume":
      return step(`Volume ${op.name}`, "Creating", "Created", () => docker.createVolume(volumeRequest(op.name, op.key, op.definition, ctx)));
    case "create-container": {
      const desired = ctx.desired!;
      const service = desired.services.find((s) => s.name === op.service)!;
      const finalName = containerName(desired.project, service, op.number);
      const replacing = finalName !== op.name;
      const parents = await parentIds(docker, desired, service.parents);
      // an image pulled or built by this plan gets its id now, for the image label
      const imageId = service.imageId || (await docker.getImage(service.image).inspect()).Id;
      const request = createRequest({ ...service, imageId }, op.number, {
        project: desired.model,
        workingDir: desired.workingDir,
        configFiles: desired.configFiles,
        version: ctx.version,
        containerOf: (name) => parents.get(name)!,
      });
      // secrets and configs not bind-mounted are written in before the container first starts
      const create = async () => injectFileObjects(await docker.createContainer({ name: op.name, ...request }), fileObjects(service.config, desired.model));
      return step(`Container ${finalName}`, replacing ? "Recreate" : "Creating", replacing ? undefined : "Created", create);
    }
    case "rename-container":
      return step(`Container ${op.to}`, "Recreate", "Recreated", () => docker.getContainer(op.from).rename({ name: op.to }));
    case "start-container": {
      // berth's extension (see startsEarly); a start that waits is cancelled when the plan fails meanwhile.
      const order = after.length > 0 ? ({ "berth-after": after.join(","), abortSignal: signal } as Docker.ContainerStartOptions) : {};
      return step(`Container ${op.name}`, "Starting", "Started", () => tolerating([304], () => docker.getContainer(op.name).start(order)));
    }
    case "stop-container":
      return step(`Container ${op.name}`, "Stopping", "Stopped", () =>
        tolerating([304, 404], () => docker.getContainer(op.id).stop(ctx.stopTimeout !== undefined ? { t: ctx.stopTimeout } : {})),
      );
    case "remove-container":
      return step(`Container ${op.name}`, "Removing", "Removed", () => tolerating([404], () => docker.getContainer(op.id).remove({ v: ctx.removeVolumes ?? false })));
    case "remove-network":
      return step(`Network ${op.name}`, "Removing", "Removed", () => tolerating([404], () => docker.getNetwork(op.name).remove()));
    case "remove-volume":
      return step(`Volume ${op.name}`, "Removing", "Removed", () => tolerating([404], () => docker.getVolume(op.name).remove()));
    case "wait-service":
      return waitService(op, ctx, signal);
  }
}

/** Every container of the service must become healthy (or exit 0); with required: false a failure only warns. */
async function waitService(op: Extract<Operation, { kind: "wait-service" }>, ctx: OperationContext, signal: AbortSignal | undefined): Promise<void> {
  const { docker, progress } = ctx;
  const containers = await docker.listContainers({ all: true, filters: { label: [`${LABEL.project}=${ctx.desired!.project}`, `${LABEL.service}=${op.service}`, `${LABEL.oneoff}=False`] } });
  const check = op.condition === "service_healthy" ? healthy : completedSuccessfully;
  const done = op.condition === "service_healthy" ? "Healthy" : "Exited";
  await Promise.all(
    containers.map(async (c) => {
      const resource = `Container ${c.Names[0]!.replace(/^\//, "")}`;
      progress({ resource, text: "Waiting", status: "working" });
      try {
        await waitFor(docker, c.Id, check, signal);
        progress({ resource, text: done, status: "done" });
      } catch (err) {
        if (!(err instanceof ContainerFailed)) throw err;
        if (op.required) {
          progress({ resource, text: "Error", status: "error", detail: `dependency failed to start: container ${err.container} ${err.reason}` });
          throw new ContainerFailed(err.container, err.reason, err.logTail, "dependency failed to start: ");
        }
        progress({ resource, text: "Skipped", status: "warning", detail: `optional dependency ${op.service} failed: container ${err.container} ${err.reason}` });
      }
    }),
  );
}

/** Pulls an image, each layer's progress beneath it, failing with the error the engine reports (auth, not found...). */
async function pull(docker: Docker, image: string, progress: Progress): Promise<void> {
  try {
    await pullImage(docker, image, progress);
  } catch (err) {
    throw err instanceof UserError ? new UserError(`pulling ${image}: ${err.message}`) : err;
  }
}

/** The ids of the first containers of services this one shares namespaces or volumes with. */
async function parentIds(docker: Docker, desired: DesiredState, parents: string[]): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const parent of parents) {
    const service = desired.services.find((s) => s.name === parent);
    const name = service ? containerName(desired.project, service, 1) : `${desired.project}-${parent}-1`;
    ids.set(parent, (await docker.getContainer(name).inspect()).Id);
  }
  return ids;
}

const ownLabels = (ctx: OperationContext, key: string, kind: "network" | "volume", labels: Record<string, string> | undefined) => ({
  ...labels,
  [LABEL.project]: ctx.desired!.project,
  [kind === "network" ? LABEL.network : LABEL.volume]: key,
  [LABEL.version]: ctx.version,
});

function networkRequest(name: string, key: string, n: NetworkDefinition, ctx: OperationContext): Docker.NetworkCreateOptions {
  const options = n.driver_opts && Object.fromEntries(Object.entries(n.driver_opts).map(([k, v]) => [k, String(v)]));
  return {
    Name: name,
    ...(n.driver && { Driver: n.driver }),
    ...(options && { Options: options }),
    ...(n.ipam && {
      IPAM: {
        ...(n.ipam.driver && { Driver: n.ipam.driver }),
        Config: (n.ipam.config ?? []).map((pool) => ({
          ...(pool.subnet && { Subnet: pool.subnet }),
          ...(pool.ip_range && { IPRange: pool.ip_range }),
          ...(pool.gateway && { Gateway: pool.gateway }),
          ...(pool.aux_addresses && { AuxiliaryAddresses: pool.aux_addresses }),
        })),
        ...(n.ipam.options && { Options: n.ipam.options }),
      },
    }),
    ...(n.internal !== undefined && { Internal: n.internal }),
    ...(n.attachable !== undefined && { Attachable: n.attachable }),
    ...(n.enable_ipv6 !== undefined && { EnableIPv6: n.enable_ipv6 }),
    Labels: ownLabels(ctx, key, "network", n.labels),
  };
}

function volumeRequest(name: string, key: string, v: VolumeDefinition, ctx: OperationContext): Docker.VolumeCreateOptions {
  const options = v.driver_opts && Object.fromEntries(Object.entries(v.driver_opts).map(([k, value]) => [k, String(value)]));
  return { Name: name, ...(v.driver && { Driver: v.driver }), ...(options && { DriverOpts: options }), Labels: ownLabels(ctx, key, "volume", v.labels) };
}
