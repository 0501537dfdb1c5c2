// `run`'s one-off container: what it needs made first (networks, volumes, its image, and — unless --no-deps — the
// services it depends on, started and waited for as up would), then its create request, named
// `<project>-<service>-run-<id>` and labelled oneoff=True so up, ps and down tell it from the service's replicas.
import { randomBytes } from "node:crypto";
import type Docker from "dockerode";
import type { ContainerCreateOptions } from "dockerode";
import type { LoadedProject } from "../compose/load.js";
import type { Service } from "../compose/model.js";
import { containerName, desiredState, serviceImage, type DesiredService, type DesiredState } from "../plan/desired.js";
import { LABEL } from "../plan/labels.js";
import type { PlanNode } from "../plan/plan.js";
import { planUp } from "../plan/reconcile.js";
import { createRequest } from "./create-request.js";
import { runDag } from "./executor.js";
import { imageIds, observeForUp, projectContainers } from "./observe.js";
import { operationRunner } from "./operations.js";
import type { Progress } from "./progress.js";
import { imagePulledAt } from "./pull.js";

export interface OneOffRequest {
  docker: Docker;
  loaded: LoadedProject;
  service: string;
  noDeps?: boolean;
  progress: Progress;
  version: string;
}

/** Brings up what the one-off container needs, and returns the desired service it is made from. */
export async function prepareOneOff(request: OneOffRequest): Promise<{ desired: DesiredState; service: DesiredService }> {
  const { docker, loaded } = request;
  const images = [...new Set(Object.entries(loaded.project.services).map(([name, s]) => serviceImage(loaded.project.name, name, s)))];
  const desired = desiredState({
    project: loaded.project,
    graph: loaded.graph,
    workingDir: loaded.projectDir,
    configFiles: loaded.configFiles,
    services: [request.service],
    noDeps: request.noDeps,
    imageIds: await imageIds(docker, images),
  });
  const observed = await observeForUp(docker, desired.project, desired.networks.map((n) => n.name), desired.volumes.map((v) => v.name));
  const plan = planUp(observed, desired, { imagePulledAt: await imagePulledAt(docker, desired.services) });
  const nodes = withoutServiceContainers(plan.nodes, request.service, request.noDeps ?? false);
  await runDag(nodes, operationRunner({ docker, desired, progress: request.progress, version: request.version }));
  const service = desired.services.find((s) => s.name === request.service)!;
  // a just-pulled or built image gets its id now, for the image label
  const imageId = service.imageId || (await docker.getImage(service.image).inspect()).Id;
  return { desired, service: { ...service, imageId } };
}

/** The plan minus the service's own containers (run leaves them alone), and with --no-deps minus the waits too. */
function withoutServiceContainers(nodes: PlanNode[], service: string, noDeps: boolean): PlanNode[] {
  const dropped = new Set(
    nodes.filter((n) => (n.op.kind.endsWith("-container") && "service" in n.op && n.op.service === service) || (noDeps && n.op.kind === "wait-service")).map((n) => n.id),
  );
  return nodes.filter((n) => !dropped.has(n.id)).map((n) => ({ ...n, after: n.after.filter((id) => !dropped.has(id)) }));
}

export interface OneOffOverrides {
  command?: string[];
  entrypoint?: string[];
  /** KEY=VALUE, or KEY to take the value from this process's environment */
  env: string[];
  tty: boolean;
  /** keep standard input open (run always attaches it unless -d) */
  interactive: boolean;
  servicePorts?: boolean;
  user?: string;
  workdir?: string;
  /** --rm with -d: the engine removes it when it exits */
  autoRemove?: boolean;
  name?: string;
}

/** The one-off container's name and create request. */
export async function oneOffRequest(docker: Docker, desired: DesiredState, service: DesiredService, overrides: OneOffOverrides, version: string): Promise<{ name: string } & ContainerCreateOptions> {
  const environment = { ...service.config.environment };
  for (const entry of overrides.env) {
    const [key, ...value] = entry.split("=");
    environment[key!] = value.length > 0 ? value.join("=") : (process.env[key!] ?? null);
  }
  const config: Service = {
    ...service.config,
    ...(overrides.command && overrides.command.length > 0 && { command: overrides.command }),
    ...(overrides.entrypoint && { entrypoint: overrides.entrypoint }),
    ...(overrides.user && { user: overrides.user }),
    ...(overrides.workdir && { working_dir: overrides.workdir }),
    environment,
    tty: overrides.tty,
    stdin_open: overrides.interactive,
    ports: overrides.servicePorts ? service.config.ports : undefined,
    restart: undefined, // a one-off is never restarted
    container_name: undefined,
  };
  const number = 1 + Math.max(0, ...(await projectContainers(docker, desired.project, { oneoff: true })).filter((c) => c.oneoff && c.service === service.name).map((c) => c.number));
  const parents = new Map<string, string>();
  for (const parent of service.parents) {
    const parentService = desired.services.find((s) => s.name === parent) ?? { name: parent, config: desired.model.services[parent]! };
    parents.set(parent, (await docker.getContainer(containerName(desired.project, parentService, 1)).inspect()).Id);
  }
  const request = createRequest({ ...service, config }, number, {
    project: desired.model,
    workingDir: desired.workingDir,
    configFiles: desired.configFiles,
    version,
    containerOf: (name) => parents.get(name)!,
  });
  request.Labels = { ...request.Labels, [LABEL.oneoff]: "True" };
  if (overrides.interactive) Object.assign(request, { AttachStdin: true, StdinOnce: true });
  if (overrides.autoRemove) request.HostConfig = { ...request.HostConfig, AutoRemove: true };
  return { name: overrides.name ?? `${desired.project}-${service.name}-run-${randomBytes(6).toString("hex")}`, ...request };
}
