// Docker Engine API shapes for images (v1.50 ImageInspect and ImageSummary).
import type { ImageConfig, RunConfig } from "./config.js";
import type { ImageRecord } from "./records.js";

export interface ImageInspect {
  Id: string;
  RepoTags: string[];
  RepoDigests: string[];
  Parent: string;
  Comment: string;
  Created: string;
  DockerVersion: string;
  Author: string;
  Config: RunConfig;
  Architecture: string;
  Variant?: string;
  Os: string;
  OsVersion?: string;
  Size: number;
  GraphDriver: { Name: string; Data: Record<string, string> };
  RootFS: { Type: string; Layers: string[] };
  Metadata: { LastTagTime: string };
}

export interface ImageSummary {
  Id: string;
  ParentId: string;
  RepoTags: string[];
  RepoDigests: string[];
  /** Unix seconds. */
  Created: number;
  Size: number;
  SharedSize: number;
  Labels: Record<string, string>;
  Containers: number;
}

/** Bytes the image's layers take uncompressed; a host-bind layer costs nothing. */
export function imageSize(record: ImageRecord): number {
  return record.layers.reduce((sum, layer) => sum + (layer.kind === "tar" ? layer.size : 0), 0);
}

export function toInspect(record: ImageRecord, config: ImageConfig, lowerDirs: string[]): ImageInspect {
  return {
    Id: record.id,
    RepoTags: record.repoTags,
    RepoDigests: record.repoDigests,
    Parent: "",
    Comment: config.comment ?? "",
    Created: config.created ?? "",
    DockerVersion: config.docker_version ?? "",
    Author: config.author ?? "",
    Config: config.config ?? {},
    Architecture: config.architecture,
    ...(config.variant !== undefined && { Variant: config.variant }),
    Os: config.os,
    ...(config["os.version"] !== undefined && { OsVersion: config["os.version"] }),
    Size: imageSize(record),
    GraphDriver: { Name: "overlay", Data: { LowerDir: lowerDirs.join(":") } },
    RootFS: { Type: "layers", Layers: record.layers.map((layer) => layer.diffId) },
    // Go's zero time when no tag ever pointed here, as dockerd prints it
    Metadata: { LastTagTime: record.lastTagTime ?? "0001-01-01T00:00:00Z" },
  };
}

export function toSummary(record: ImageRecord, config: ImageConfig, containers: number): ImageSummary {
  const created = config.created ? Math.floor(Date.parse(config.created) / 1000) : 0;
  return {
    Id: record.id,
    ParentId: "",
    RepoTags: record.repoTags,
    RepoDigests: record.repoDigests,
    Created: Number.isNaN(created) ? 0 : created,
    Size: imageSize(record),
    SharedSize: -1,
    Labels: config.config?.Labels ?? {},
    Containers: containers,
  };
}
