// `down --rmi local|all`: which images go with the project, by Docker Compose's rule — all: every service's
// image; local: only those built under compose's default name `<project>-<service>` (no `image:` of their own).
import { UserError } from "../compose/errors.js";
import type { Project } from "../compose/model.js";
import { serviceImage } from "./desired.js";
import type { ObservedContainer } from "./observe.js";

export type RemoveImages = "local" | "all";

export function removeImagesMode(text: string | undefined): RemoveImages | undefined {
  if (text === undefined) return undefined;
  if (text !== "local" && text !== "all") throw new UserError(`invalid value for --rmi: "${text}" (use local or all)`);
  return text;
}

/**
 * The images to remove: those of the compose file's services when there is one, and those of the removed
 * containers of other services (all there is with `-p NAME` and no file: then an image is taken as built when it
 * has the default name). A container created from an image id (its tag moved on since) names no image.
 */
export function imagesToRemove(mode: RemoveImages, project: string, model: Project | undefined, removed: ObservedContainer[]): string[] {
  const images = new Set<string>();
  for (const [name, config] of Object.entries(model?.services ?? {})) {
    if (mode === "all" || config.image === undefined) images.add(serviceImage(project, name, config));
  }
  for (const c of removed) {
    if (model?.services[c.service]) continue;
    if (c.image.startsWith("sha256:") || /^[0-9a-f]{64}$/.test(c.image)) continue;
    const built = `${project}-${c.service}`;
    if (mode === "all" || c.image === built || c.image === `${built}:latest`) images.add(c.image);
  }
  return [...images].sort();
}
