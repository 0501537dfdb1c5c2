// Step 9: the merged, path-resolved compose dict → the canonical Project (long syntax everywhere, defaults filled
// in, names on the host decided), as compose-go's canonical/normalize phases. One file per key under normalize/.
import type { Lookup } from "./dotenv.js";
import type { Loc, Path, Warn } from "./errors.js";
import type { ModelDefinition, Project } from "./model.js";
import { normalizeFileObjects, normalizeNetworkDefinitions, normalizeVolumeDefinitions } from "./normalize/resources.js";
import { normalizeService } from "./normalize/service.js";
import { isDict, withoutExtensions } from "./normalize/values.js";
import type { Dict } from "./parse.js";

export interface NormalizeContext {
  projectName: string;
  projectDir: string;
  /** the shell and `.env` variables: values for bare `environment` keys and build args */
  lookup: Lookup;
  /** reads an `env_file` or `label_file`; throws an ENOENT error when the file does not exist */
  readFile: (absPath: string) => string;
  locate: (path: Path) => Loc | undefined;
  warn: Warn;
}

export function normalize(data: Dict, ctx: NormalizeContext): Project {
  const rawServices = isDict(data.services) ? data.services : {};
  const services = Object.fromEntries(
    Object.entries(rawServices).map(([name, raw]) => [name, normalizeService(raw as Dict, ["services", name], ctx)]),
  );
  const networks = normalizeNetworkDefinitions(data.networks, ctx);
  // The implicit default network exists only when some service uses it.
  const usesDefault = Object.values(services).some((service) => service.networks && "default" in service.networks);
  if (usesDefault && !networks.default) networks.default = { name: `${ctx.projectName}_default` };
  return {
    name: ctx.projectName,
    services,
    networks,
    volumes: normalizeVolumeDefinitions(data.volumes, ctx),
    secrets: normalizeFileObjects("secrets", data.secrets, ctx),
    configs: normalizeFileObjects("configs", data.configs, ctx),
    ...(isDict(data.models) && { models: normalizeModels(data.models) }),
  };
}

function normalizeModels(models: Dict): Record<string, ModelDefinition> {
  return Object.fromEntries(Object.entries(models).map(([key, model]) => [key, withoutExtensions(model as Dict) as unknown as ModelDefinition]));
}
