// Reading a project's state from the engine: its containers by label; the networks and volumes it needs by
// name (they may predate the project: `name:` or external); for down, its networks and volumes by label.
import type Docker from "dockerode";
import { LABEL, projectFilter } from "../plan/labels.js";
import { observeContainer, type ObservedContainer, type ObservedState } from "../plan/observe.js";
import { engineCall, isStatus } from "./engine-call.js";

export async function projectContainers(docker: Docker, project: string, options: { all?: boolean; oneoff?: boolean } = {}): Promise<ObservedContainer[]> {
  const label = [projectFilter(project), ...(options.oneoff ? [] : [`${LABEL.oneoff}=False`])];
  const list = await engineCall(() => docker.listContainers({ all: options.all ?? true, filters: { label } }));
  return list.map(observeContainer);
}

/** For up: the project's containers, and which of `networks` and `volumes` exist. */
export async function observeForUp(docker: Docker, project: string, networks: string[], volumes: string[]): Promise<ObservedState> {
  const exists = async (inspect: () => Promise<unknown>) => {
    try {
      await inspect();
      return true;
    } catch (err) {
      if (isStatus(err, 404)) return false;
      return engineCall(() => Promise.reject(err));
    }
  };
  const [containers, haveNetworks, haveVolumes] = await Promise.all([
    projectContainers(docker, project),
    Promise.all(networks.map((name) => exists(() => docker.getNetwork(name).inspect()))),
    Promise.all(volumes.map((name) => exists(() => docker.getVolume(name).inspect()))),
  ]);
  return {
    containers,
    networks: new Set(networks.filter((_, i) => haveNetworks[i])),
    volumes: new Set(volumes.filter((_, i) => haveVolumes[i])),
  };
}

/** For down and ps: everything carrying the project's label, one-off containers included. */
export async function observeByLabel(docker: Docker, project: string): Promise<ObservedState> {
  const filters = { label: [projectFilter(project)] };
  const [containers, networks, volumes] = await Promise.all([
    projectContainers(docker, project, { oneoff: true }),
    engineCall(() => docker.listNetworks({ filters })),
    engineCall(() => docker.listVolumes({ filters })),
  ]);
  return { containers, networks: new Set(networks.map((n) => n.Name)), volumes: new Set((volumes.Volumes ?? []).map((v) => v.Name)) };
}

/** Image reference → id of the images the engine has, for the image label and the recreate decision. */
export async function imageIds(docker: Docker, images: string[]): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  await Promise.all(
    [...new Set(images)].map(async (image) => {
      try {
        ids[image] = (await docker.getImage(image).inspect()).Id;
      } catch (err) {
        if (!isStatus(err, 404)) await engineCall(() => Promise.reject(err));
      }
    }),
  );
  return ids;
}
