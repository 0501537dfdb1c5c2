// Service `networks`: always a map from network key to its attachment options, or null when it has none.
import type { ServiceNetwork } from "../model.js";
import type { Dict } from "../parse.js";
import { withoutExtensions } from "./values.js";

export function normalizeServiceNetworks(value: unknown): Record<string, ServiceNetwork | null> {
  if (Array.isArray(value)) return Object.fromEntries(value.map((name) => [String(name), null]));
  return Object.fromEntries(
    Object.entries(value as Dict).map(([name, options]) => [name, options === null ? null : (withoutExtensions(options as Dict) as ServiceNetwork)]),
  );
}
