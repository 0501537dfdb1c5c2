// `berth top`, `port`, `images`: what the engine knows about the project's containers, as docker compose prints it.
import { UserError } from "../compose/errors.js";
import { engine } from "../engine/client.js";
import { engineCall } from "../orchestrate/engine-call.js";
import type { GlobalOptions } from "./options.js";
import { lines } from "./output.js";
import { serviceContainer, serviceContainers } from "./service-containers.js";

/** Each running container's processes: its name, then a table of the engine's `top` answer. */
export async function topCommand(globals: GlobalOptions, services: string[]): Promise<void> {
  const docker = await engine({ host: globals.host });
  const running = (await serviceContainers(docker, globals, services)).containers.filter((c) => c.state === "running");
  const tops = await Promise.all(running.map((c) => engineCall(() => docker.getContainer(c.id).top())));
  const out = running.map((c, i) => `${c.name}\n${table([tops[i]!.Titles, ...tops[i]!.Processes])}`);
  process.stdout.write(out.join("\n"));
}

/** The host address a container port is published on: `port SERVICE PRIVATE_PORT`. */
export async function portCommand(globals: GlobalOptions, service: string, privatePort: string, options: { protocol: string; index?: string }): Promise<void> {
  if (!/^\d+$/.test(privatePort)) throw new UserError(`invalid port "${privatePort}": use a port number`);
  const docker = await engine({ host: globals.host });
  const target = await serviceContainer(docker, globals, service, options.index, false);
  const { NetworkSettings } = await engineCall(() => docker.getContainer(target.id).inspect());
  const binding = NetworkSettings.Ports?.[`${privatePort}/${options.protocol}`]?.[0];
  if (!binding) throw new UserError(`no port ${privatePort}/${options.protocol} for container ${target.name}: is it published?`);
  process.stdout.write(`${binding.HostIp || "0.0.0.0"}:${binding.HostPort}\n`);
}

/** The images the project's containers use: CONTAINER REPOSITORY TAG IMAGE ID SIZE. */
export async function imagesCommand(globals: GlobalOptions, services: string[], options: { quiet?: boolean; format: "table" | "json" }): Promise<void> {
  const docker = await engine({ host: globals.host });
  const { containers } = await serviceContainers(docker, globals, services);
  const images = await Promise.all(containers.map((c) => engineCall(() => docker.getContainer(c.id).inspect()).then((info) => engineCall(() => docker.getImage(info.Image).inspect()))));
  if (options.quiet) return void process.stdout.write(lines(new Set(images.map((i) => i.Id))));
  const rows = containers.map((c, i) => {
    const [repository = "<none>", tag = "<none>"] = splitReference(c.image);
    return { ContainerName: c.name, Repository: repository, Tag: tag, ID: images[i]!.Id, Size: images[i]!.Size };
  });
  if (options.format === "json") return void process.stdout.write(JSON.stringify(rows) + "\n");
  const shortId = (id: string) => id.replace(/^sha256:/, "").slice(0, 12);
  process.stdout.write(table([["CONTAINER", "REPOSITORY", "TAG", "IMAGE ID", "SIZE"], ...rows.map((r) => [r.ContainerName, r.Repository, r.Tag, shortId(r.ID), size(r.Size)])]));
}

/** `registry:5000/app:1.2` → ["registry:5000/app", "1.2"]; no tag is `latest`. */
function splitReference(reference: string): [string, string] {
  const at = reference.indexOf("@");
  if (at >= 0) return [reference.slice(0, at), "<none>"];
  const colon = reference.lastIndexOf(":");
  return colon > reference.lastIndexOf("/") ? [reference.slice(0, colon), reference.slice(colon + 1)] : [reference, "latest"];
}

/** Docker's HumanSize: decimal units, three significant digits. */
function size(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${Number(value.toPrecision(3))}${units[unit]}`;
}

export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? "").length)));
  return lines(rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join("   ").trimEnd()));
}
