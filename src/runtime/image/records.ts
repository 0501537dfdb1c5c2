// What the image index records about each image. The config itself stays in the blob store.

/** A layer is either unpacked content in the layer store, or a host directory bound read-only (berth/host). */
export type LayerRecord =
  | {
      kind: "tar";
      diffId: string;
      /** The layer blob as loaded (maybe compressed), kept so that save can export it. */
      blob: string;
      /** Uncompressed tar size in bytes. */
      size: number;
    }
  | {
      kind: "host-bind";
      /** A stable stand-in for a diff ID: sha256 of `host-bind:<source>`, so that RootFS.Layers stays meaningful. */
      diffId: string;
      source: string;
      /** Absolute path inside the container. */
      target: string;
    };

export interface ImageRecord {
  /** `sha256:<hex>` of the config blob. */
  id: string;
  /** Bottom layer first, as in the config's rootfs.diff_ids. */
  layers: LayerRecord[];
  /** Familiar `name:tag`, e.g. `busybox:latest`. */
  repoTags: string[];
  /** Familiar `name@sha256:…` of the manifest the image was loaded from, when known. */
  repoDigests: string[];
  /** Built in (berth/host): cannot be saved, and is recreated at every start. */
  builtin: boolean;
  /** The image a build step made this one from: an untagged parent is an intermediate image, which lists hide. */
  parent?: string;
  /** When a tag last came to point at it (pull, tag, load, build), ISO 8601: Docker's Metadata.LastTagTime, which timed pull policies read. */
  lastTagTime?: string;
}

export interface IndexFile {
  images: ImageRecord[];
}
