// The OCI image config (what an image id is the digest of), parsed with errors that say what is wrong.
import { DIGEST } from "./reference.js";
import { invalid } from "./errors.js";

/** The runtime part of an image config; field names as in the OCI spec and Docker's ImageConfig. */
export interface RunConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object>;
  WorkingDir?: string;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
  Healthcheck?: { Test?: string[]; Interval?: number; Timeout?: number; StartPeriod?: number; StartInterval?: number; Retries?: number };
  ArgsEscaped?: boolean;
  OnBuild?: string[] | null;
  Shell?: string[];
}

/** One step of how the image came to be (docker history); an empty_layer step added no layer. */
export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

export interface ImageConfig {
  created?: string;
  author?: string;
  architecture: string;
  os: string;
  variant?: string;
  "os.version"?: string;
  config?: RunConfig;
  rootfs: { type: string; diff_ids: string[] };
  comment?: string;
  docker_version?: string;
  history?: HistoryEntry[];
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** Parses the config blob `bytes`; `label` names it in errors. */
export function parseImageConfig(bytes: Buffer, label: string): ImageConfig {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString("utf8"));
  } catch (err) {
    throw invalid(`image config ${label} is not valid JSON: ${(err as Error).message}`);
  }
  if (!isObject(value)) throw invalid(`image config ${label} must be a JSON object`);
  for (const key of ["architecture", "os"] as const) {
    if (typeof value[key] !== "string") throw invalid(`image config ${label}: "${key}" must be a string`);
  }
  const rootfs = value.rootfs;
  if (!isObject(rootfs) || rootfs.type !== "layers" || !Array.isArray(rootfs.diff_ids)) {
    throw invalid(`image config ${label}: "rootfs" must be {"type": "layers", "diff_ids": [...]}`);
  }
  for (const diffId of rootfs.diff_ids) {
    if (typeof diffId !== "string" || !DIGEST.test(diffId)) {
      throw invalid(`image config ${label}: diff ID ${JSON.stringify(diffId)} is not sha256: and 64 lowercase hex digits`);
    }
  }
  if (value.config !== undefined && value.config !== null && !isObject(value.config)) {
    throw invalid(`image config ${label}: "config" must be an object`);
  }
  return value as unknown as ImageConfig;
}
