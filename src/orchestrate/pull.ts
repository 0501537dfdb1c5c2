// Pulls and pushes of a project's service images (`berth pull`, `berth push`, and up's pulls), as Docker
// Compose does them. Docker's JSON progress stream is read into progress events: the image's step ("Pulling",
// "Pulled"), and beneath it each layer's state with its bytes while it moves.
import type Docker from "dockerode";
import { UserError } from "../compose/errors.js";
import type { LoadedProject } from "../compose/load.js";
import type { Service } from "../compose/model.js";
import { parsePullPolicy } from "../compose/syntax/pull-policy.js";
import { engineCall, isStatus } from "./engine-call.js";
import { follow, type StreamMessage } from "./engine-stream.js";
import { runDag } from "./executor.js";
import type { Progress, ProgressEvent } from "./progress.js";
import { registryAuth } from "./registry-auth.js";

/** The states after which a layer has nothing left to do. */
const LAYER_DONE = ["Already exists", "Pull complete", "Layer already exists", "Pushed", "Mounted from"];

/** The layer event a stream message stands for; undefined for the image-wide ones ("Pulling from", "Digest:", "Status:"). */
export function layerEvent(resource: string, message: StreamMessage): ProgressEvent | undefined {
  const { id, status } = message;
  if (id === undefined || !status || status.startsWith("Pulling from ")) return undefined;
  const { current, total } = message.progressDetail ?? {};
  return {
    resource,
    part: id,
    text: status,
    status: LAYER_DONE.some((done) => status.startsWith(done)) ? "done" : "working",
    ...(total !== undefined && total > 0 && { current: current ?? 0, total }),
  };
}

/** Pulls `image` (for `platform`, os/arch[/variant]: the service's), each layer's progress reported under `resource`. */
export async function pullImage(docker: Docker, image: string, progress: Progress, resource = `Image ${image}`, platform?: string): Promise<void> {
  const auth = await registryAuth(image);
  await follow(await engineCall(() => docker.pull(image, { ...(platform && { platform }), ...auth })), (message) => {
    const event = layerEvent(resource, message);
    if (event) progress(event);
  });
}

/** `name` as the push API takes it: the repository, and the tag (latest when it has none). */
export function repoAndTag(name: string): [string, string] {
  const colon = name.lastIndexOf(":");
  return colon > name.lastIndexOf("/") ? [name.slice(0, colon), name.slice(colon + 1)] : [name, "latest"];
}

/** Pushes `image` (name:tag), each layer's progress reported under `resource`. */
export async function pushImage(docker: Docker, image: string, progress: Progress, resource = `Image ${image}`): Promise<void> {
  const [repo, tag] = repoAndTag(image);
  const auth = await registryAuth(image);
  await follow(await engineCall(() => docker.getImage(repo).push({ tag, ...auth }) as Promise<NodeJS.ReadableStream>), (message) => {
    const event = layerEvent(resource, message);
    if (event) progress(event);
  });
}

/**
 * image → when a tag last came to point at it (Metadata.LastTagTime, ms since the epoch), for the images of
 * services whose pull_policy is daily, weekly or every_<duration>: what up's planner measures their age from.
 */
export async function imagePulledAt(docker: Docker, services: { image: string; config: Service }[]): Promise<Record<string, number>> {
  const timed = new Set(services.filter((s) => s.config.pull_policy && parsePullPolicy(s.config.pull_policy).kind === "refresh").map((s) => s.image));
  const pulledAt: Record<string, number> = {};
  await Promise.all(
    [...timed].map(async (image) => {
      try {
        const inspect = (await docker.getImage(image).inspect()) as Docker.ImageInspectInfo & { Metadata?: { LastTagTime?: string } };
        const at = Date.parse(inspect.Metadata?.LastTagTime ?? "");
        if (!Number.isNaN(at)) pulledAt[image] = at;
      } catch (err) {
        if (!isStatus(err, 404)) await engineCall(() => Promise.reject(err));
      }
    }),
  );
  return pulledAt;
}

export interface ProjectTransfer {
  docker: Docker;
  loaded: LoadedProject;
  /** the services named on the command line; all when empty */
  services: string[];
  /** --include-deps: also what the named services depend on */
  includeDeps?: boolean;
  /** --ignore-pull-failures / --ignore-push-failures: warn and go on */
  ignoreFailures?: boolean;
  parallel?: number;
  progress: Progress;
  warn: (message: string) => void;
}

export interface ProjectPull extends ProjectTransfer {
  /** --ignore-buildable: skip services that have a build section */
  ignoreBuildable?: boolean;
  /** --policy: overrides every service's pull_policy */
  policy?: "missing" | "always";
}

/** The services a pull or push works on, in name order. */
function selected(request: ProjectTransfer): [string, Service][] {
  const { project, graph } = request.loaded;
  if (request.services.length === 0) return graph.services().map((name) => [name, project.services[name]!]);
  const withDeps = graph.closure(request.services); // checks the names
  return (request.includeDeps ? withDeps : [...new Set(request.services)].sort()).map((name) => [name, project.services[name]!]);
}

/**
 * `berth pull`: every selected service's image, in parallel, each image once. Skipped as compose skips them:
 * services without `image:`, pull_policy never and build, missing when the engine has the image, and with
 * --ignore-buildable those with a build section. A failure names the service and image; it only warns with
 * --ignore-pull-failures, or for a service that can build its image instead.
 */
export async function pullProject(request: ProjectPull): Promise<void> {
  const { docker, progress } = request;
  const pulling = new Map<string, string>();
  for (const [name, config] of selected(request)) {
    const skip = (why: string) => progress({ resource: `Service ${name}`, text: "Skipped", status: "done", detail: why });
    if (config.image === undefined) {
      skip("No image to be pulled");
      continue;
    }
    const policy = parsePullPolicy(request.policy ?? config.pull_policy ?? "always").kind;
    if (policy === "never" || policy === "build") {
      skip(`pull_policy: ${config.pull_policy}`);
      continue;
    }
    if (policy === "missing" && (await present(docker, config.image))) {
      skip("Image is already present locally");
      continue;
    }
    if (config.build && request.ignoreBuildable) {
      skip("Image can be built");
      continue;
    }
    if (pulling.has(config.image)) {
      skip(`Image is already being pulled by ${pulling.get(config.image)}`);
      continue;
    }
    pulling.set(config.image, name);
  }
  const mustBuild: string[] = [];
  const failures: string[] = [];
  const nodes = [...pulling].map(([image, service]) => ({ id: image, after: [], service }));
  await runDag(
    nodes,
    async ({ id: image, service }) => {
      const resource = `Image ${image}`;
      progress({ resource, text: "Pulling", status: "working" });
      try {
        await pullImage(docker, image, progress, resource, request.loaded.project.services[service]!.platform);
        progress({ resource, text: "Pulled", status: "done" });
      } catch (err) {
        if (!(err instanceof UserError)) throw err;
        const message = `service ${service}: pulling image ${image}: ${err.message}`;
        progress({ resource, text: "Error", status: "error", detail: err.message });
        const buildable = Boolean(request.loaded.project.services[service]!.build);
        if (buildable) mustBuild.push(service);
        if (!request.ignoreFailures && !buildable) throw new UserError(message);
        failures.push(message);
      }
    },
    { parallel: request.parallel },
  );
  for (const failure of failures) request.warn(failure);
  if (mustBuild.length > 0) request.warn(`Some service image(s) must be built from source by running:\n    berth build ${mustBuild.sort().join(" ")}`);
}

/**
 * `berth push`: the images of the selected services that are built and named (`image:`, and build.tags), in
 * parallel. Others are skipped, as compose does. A failure names the service and image; with
 * --ignore-push-failures it only warns.
 */
export async function pushProject(request: ProjectTransfer): Promise<void> {
  const { docker, progress } = request;
  const pushes: { id: string; after: string[]; service: string }[] = [];
  for (const [name, config] of selected(request)) {
    if (!config.build || config.image === undefined) {
      progress({ resource: `Service ${name}`, text: "Skipped", status: "done", detail: config.build ? "No image name to push to" : "Not built by the project" });
      continue;
    }
    for (const image of new Set([config.image, ...(config.build.tags ?? [])])) pushes.push({ id: `${name} ${image}`, after: [], service: name });
  }
  const failures: string[] = [];
  await runDag(
    pushes,
    async ({ id, service }) => {
      const image = id.slice(service.length + 1);
      const resource = `Image ${image}`;
      progress({ resource, text: "Pushing", status: "working" });
      try {
        await pushImage(docker, image, progress, resource);
        progress({ resource, text: "Pushed", status: "done" });
      } catch (err) {
        if (!(err instanceof UserError)) throw err;
        progress({ resource, text: "Error", status: "error", detail: err.message });
        const message = `service ${service}: pushing image ${image}: ${err.message}`;
        if (!request.ignoreFailures) throw new UserError(message);
        failures.push(message);
      }
    },
    { parallel: request.parallel },
  );
  for (const failure of failures) request.warn(failure);
}

async function present(docker: Docker, image: string): Promise<boolean> {
  try {
    await docker.getImage(image).inspect();
    return true;
  } catch (err) {
    if (isStatus(err, 404)) return false;
    return engineCall(() => Promise.reject(err));
  }
}

