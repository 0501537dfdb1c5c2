// Test helper: merges compose files written as YAML text, in order, the way the loader does.
import { mergeFile } from "../../../src/compose/merge.js";
import { parseCompose, type Dict } from "../../../src/compose/parse.js";

export function mergeYaml(...files: string[]): Dict {
  return files.reduce<Dict>((merged, text, i) => parseCompose(`file${i}.yaml`, text).reduce(mergeFile, merged), {});
}

/** The merged service `web`. */
export function mergedWeb(...files: string[]): Dict {
  return (mergeYaml(...files).services as Dict).web as Dict;
}
