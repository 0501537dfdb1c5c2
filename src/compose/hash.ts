// The config hash of a service, stored on its containers: when it changes, the containers are recreated.
// As Docker Compose's ServiceHash, keys that do not change a container are left out, so editing them does not
// recreate anything.
import { createHash } from "node:crypto";
import type { Service } from "./model.js";

/** How the image is built or pulled, how many replicas run, start order and profile selection. */
const IGNORED = ["build", "pull_policy", "scale", "depends_on", "profiles"] as const;

export function serviceHash(service: Service): string {
  const hashed: Service = { ...service };
  for (const key of IGNORED) delete hashed[key];
  delete hashed.deploy;
  if (service.deploy) {
    const { replicas: _replicas, ...deploy } = service.deploy;
    // `deploy: { replicas: 3 }` alone must hash as no deploy at all: scaling is not a change of config.
    if (Object.keys(deploy).length > 0) hashed.deploy = deploy;
  }
  return createHash("sha256").update(canonicalJson(hashed)).digest("hex");
}

/** JSON with every object's keys sorted, so the hash does not depend on the order keys were written in. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, v]) => `${JSON.stringify(key)}:${canonicalJson(v)}`).join(",")}}`;
}
