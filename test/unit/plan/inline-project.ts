// Test helper: a compose project loaded from inline YAML, as the CLI would load it, and observed containers.
import type { LoadedProject } from "../../../src/compose/load.js";
import { loadProject } from "../../../src/compose/load.js";
import { serviceHash } from "../../../src/compose/hash.js";
import type { ObservedContainer } from "../../../src/plan/observe.js";

export const PROJECT_DIR = "/srv/demo";

export function inlineProject(yaml: string, name = "demo"): LoadedProject {
  return loadProject({
    cwd: PROJECT_DIR,
    projectDirectory: PROJECT_DIR,
    files: ["-"],
    projectName: name,
    envFiles: [],
    profiles: [],
    services: [],
    shell: {},
    readStdin: () => yaml,
    warn: () => {},
  });
}

/** A running, up-to-date container of `service` in `loaded`, as observe would report it. */
export function runningContainer(loaded: LoadedProject, service: string, number: number, extra: Partial<ObservedContainer> = {}): ObservedContainer {
  const id = `${service}${number}`.padEnd(64, "0");
  return {
    id,
    name: `${loaded.name}-${service}-${number}`,
    service,
    number,
    oneoff: false,
    state: "running",
    status: "Up 1 second",
    configHash: loaded.project.services[service] ? serviceHash(loaded.project.services[service]) : "gone",
    imageId: "sha256:img",
    dependsOn: [],
    networks: Object.keys(loaded.project.services[service]?.networks ?? {}).map((key) => loaded.project.networks[key]!.name),
    volumes: (loaded.project.services[service]?.volumes ?? []).filter((v) => v.type === "volume" && v.source).map((v) => loaded.project.volumes[v.source!]!.name),
    networkMode: "",
    image: "berth/host",
    command: "sleep 100",
    created: 0,
    ports: [],
    ...extra,
  };
}
