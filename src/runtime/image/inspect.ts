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

/** One step of `GET /images/{name}/history`. */
export interface HistoryItem {
  Id: string;
  /** Unix seconds. */
  Created: number;
  CreatedBy: string;
  Tags: string[] | null;
  Size: number;
  Comment: string;
}

/**
 * The steps that made the image, newest first, as dockerd lists them: each step that added a layer has that
 * layer's size; the newest step has the image's id and tags, the steps below it those of its build parents (one
 * parent a step, as the classic builder makes them), the rest `<missing>`.
 */
export function toHistory(record: ImageRecord, config: ImageConfig, parentOf: (record: ImageRecord) => ImageRecord | undefined): HistoryItem[] {
  const steps = config.history ?? [];
  // The steps that added layers added the top ones: a base image without a history of its own leaves the bottom ones out.
  let layer = Math.max(0, record.layers.length - steps.filter((step) => !step.empty_layer).length);
  const items = steps.map((step) => {
    const size = step.empty_layer ? 0 : sizeOf(record.layers[layer++]);
    return { Id: "<missing>", Created: unixSeconds(step.created), CreatedBy: step.created_by ?? "", Tags: null, Size: size, Comment: step.comment ?? "" } as HistoryItem;
  });
  items.reverse();
  let image: ImageRecord | undefined = record;
  for (const item of items) {
    if (!image) break;
    Object.assign(item, { Id: image.id, Tags: image.repoTags.length > 0 ? [...image.repoTags] : null });
    image = parentOf(image);
  }
  return items;
}

/** An RFC 3339 time as Unix seconds; 0 when it is missing or unreadable. */
function unixSeconds(time: string | undefined): number {
  const seconds = Math.floor(Date.parse(time ?? "") / 1000);
  return Number.isNaN(seconds) ? 0 : seconds;
}

const sizeOf = (layer: ImageRecord["layers"][number] | undefined) => (layer?.kind === "tar" ? layer.size : 0);

/** Bytes the image's layers take uncompressed; a host-bind layer costs nothing. */
export function imageSize(record: ImageRecord): number {
  return record.layers.reduce((sum, layer) => sum + sizeOf(layer), 0);
}

export function toInspect(record: ImageRecord, config: ImageConfig, lowerDirs: string[]): ImageInspect {
  return {
    Id: record.id,
    RepoTags: record.repoTags,
    RepoDigests: record.repoDigests,
    Parent: record.parent ?? "",
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
  return {
    Id: record.id,
    ParentId: record.parent ?? "",
    RepoTags: record.repoTags,
    RepoDigests: record.repoDigests,
    Created: unixSeconds(config.created),
    Size: imageSize(record),
    SharedSize: -1,
    Labels: config.config?.Labels ?? {},
    Containers: containers,
  };
}
