// Service `labels`: those read from `label_file`s (dotenv syntax), overridden by `labels`; `label_file` is then
// dropped, like `env_file`.
import { parseDotenv } from "../dotenv.js";
import type { Path } from "../errors.js";
import type { Mapping } from "../model.js";
import type { NormalizeContext } from "../normalize.js";
import type { Dict } from "../parse.js";
import { readIfPresent, toList, toMapping, userError } from "./values.js";

export function normalizeLabels(service: Dict, path: Path, ctx: NormalizeContext): Mapping | undefined {
  const files = service.label_file ?? undefined;
  const labels = service.labels ?? undefined;
  if (files === undefined && labels === undefined) return undefined;
  const fromFiles: Mapping = {};
  if (files !== undefined) {
    toList(files).forEach((file, i) => {
      const where = Array.isArray(files) ? [...path, "label_file", i] : [...path, "label_file"];
      const text = readIfPresent(ctx, file);
      if (text === undefined) throw userError(ctx, where, `label file ${file} not found`);
      Object.assign(fromFiles, parseDotenv(file, text, ctx.lookup, ctx.warn));
    });
  }
  return { ...fromFiles, ...(labels === undefined ? {} : toMapping(labels)) };
}
