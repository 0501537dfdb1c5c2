// `berth build [SERVICE...]`: builds the services that have a `build:` section on the engine (POST /build, the
// classic builder), tagging each image with the service's `image:` (default `<project>-<service>`) and build.tags.
import { UserError } from "../compose/errors.js";
import { engine } from "../engine/client.js";
import { buildServiceImage } from "../orchestrate/build.js";
import { serviceImage } from "../plan/desired.js";
import { load, type GlobalOptions } from "./options.js";

export interface BuildOptions {
  noCache?: boolean;
  pull?: boolean;
  quiet?: boolean;
  buildArg: string[];
}

export async function buildCommand(globals: GlobalOptions, services: string[], options: BuildOptions): Promise<void> {
  const loaded = load(globals, services);
  const selected = (services.length > 0 ? services : Object.keys(loaded.project.services)).filter((name) => loaded.project.services[name]?.build);
  if (services.length > 0 && selected.length === 0) throw new UserError(`none of the services ${services.join(", ")} has a build section`);
  const docker = await engine({ host: globals.host });
  for (const name of selected) {
    const service = loaded.project.services[name]!;
    if (!options.quiet) process.stderr.write(`Building ${name}\n`);
    await buildServiceImage(docker, {
      service: name,
      config: service,
      image: serviceImage(loaded.name, name, service),
      noCache: options.noCache,
      pull: options.pull,
      args: cliArgs(options.buildArg),
      ...(!options.quiet && { output: (text: string) => process.stdout.write(text) }),
    });
  }
}

/** `--build-arg NAME=VALUE`, or `NAME` for the value in berth's own environment. */
function cliArgs(specs: string[]): Record<string, string> {
  const args: Record<string, string> = {};
  for (const spec of specs) {
    const at = spec.indexOf("=");
    const name = at < 0 ? spec : spec.slice(0, at);
    const value = at < 0 ? process.env[name] : spec.slice(at + 1);
    if (value !== undefined) args[name] = value;
  }
  return args;
}
