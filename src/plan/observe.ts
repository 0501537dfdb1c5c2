// What exists of a project on the engine, read from list and inspect answers: its containers by their
// compose labels, and which of the networks and volumes it needs are already there.
import type { ContainerInfo } from "dockerode";
import { LABEL, parseDependsOn, type DependsOnLabel } from "./labels.js";

export interface ObservedContainer {
  id: string;
  name: string;
  service: string;
  number: number;
  oneoff: boolean;
  /** created, running, paused, restarting, exited, dead, removing */
  state: string;
  /** the engine's status text ("Up 3 seconds") */
  status: string;
  configHash: string;
  /** the image id the container was created from, as the image label recorded it */
  imageId: string;
  dependsOn: DependsOnLabel[];
  /** names of the networks the container is attached to */
  networks: string[];
  /** names of the named volumes it mounts */
  volumes: string[];
  /** HostConfig.NetworkMode: "container:<id>" when it shares another container's network */
  networkMode: string;
  /** what `ps` shows */
  image: string;
  command: string;
  created: number;
  ports: ContainerInfo["Ports"];
}

export interface ObservedState {
  containers: ObservedContainer[];
  /** names of existing networks, among those the project needs */
  networks: Set<string>;
  /** names of existing volumes, among those the project needs */
  volumes: Set<string>;
}

/** A container from `GET /containers/json`, as the planner sees it. */
export function observeContainer(info: ContainerInfo): ObservedContainer {
  const labels = info.Labels ?? {};
  return {
    id: info.Id,
    name: (info.Names?.[0] ?? "").replace(/^\//, ""),
    service: labels[LABEL.service] ?? "",
    number: Number(labels[LABEL.number] ?? 0),
    oneoff: labels[LABEL.oneoff] === "True",
    state: info.State,
    status: info.Status,
    configHash: labels[LABEL.configHash] ?? "",
    imageId: labels[LABEL.image] ?? "",
    dependsOn: parseDependsOn(labels[LABEL.dependsOn]),
    networks: Object.keys(info.NetworkSettings?.Networks ?? {}),
    volumes: (info.Mounts ?? []).filter((m) => m.Type === "volume" && m.Name).map((m) => m.Name!),
    networkMode: info.HostConfig?.NetworkMode ?? "",
    image: info.Image,
    command: info.Command,
    created: info.Created,
    ports: info.Ports ?? [],
  };
}

/** The health an engine's status text names ("Up 2 seconds (health: starting)", as Docker's); none without a healthcheck. */
export function listedHealth(status: string): "healthy" | "unhealthy" | "starting" | undefined {
  return /\((healthy|unhealthy|health: starting)\)/.exec(status)?.[1]?.replace("health: ", "") as "healthy" | "unhealthy" | "starting" | undefined;
}

/** By service, then replica number: the order ps prints and the planner walks. */
export function byServiceAndNumber(a: ObservedContainer, b: ObservedContainer): number {
  return a.service < b.service ? -1 : a.service > b.service ? 1 : a.number - b.number;
}
