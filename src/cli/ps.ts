// `berth ps`: the project's containers, found by their labels (docker compose ps).
import { UserError } from "../compose/errors.js";
import { engine } from "../engine/client.js";
import { projectContainers } from "../orchestrate/observe.js";
import { byServiceAndNumber, listedHealth, type ObservedContainer } from "../plan/observe.js";
import type { GlobalOptions } from "./options.js";
import { lines } from "./output.js";
import { projectScope } from "./project-scope.js";

export interface PsOptions {
  all?: boolean;
  quiet?: boolean;
  services?: boolean;
  status: string[];
  format: "table" | "json";
}

const STATUSES = ["paused", "restarting", "removing", "running", "dead", "created", "exited"];

export async function psCommand(globals: GlobalOptions, services: string[], options: PsOptions): Promise<void> {
  for (const status of options.status) {
    if (!STATUSES.includes(status)) throw new UserError(`invalid --status "${status}": use one of ${STATUSES.join(", ")}`);
  }
  const scope = projectScope(globals);
  if (scope.loaded) for (const name of services) scope.loaded.graph.closure([name]); // an unknown name is an error
  const docker = await engine({ host: globals.host });
  const all = options.all || options.status.length > 0;
  const containers = (await projectContainers(docker, scope.name, { all, oneoff: true }))
    .filter((c) => services.length === 0 || services.includes(c.service))
    .filter((c) => options.status.length === 0 || options.status.includes(c.state))
    .sort(byServiceAndNumber);

  if (options.quiet) return void process.stdout.write(lines(containers.map((c) => c.id)));
  if (options.services) return void process.stdout.write(lines(new Set(containers.map((c) => c.service))));
  if (options.format === "json") return void process.stdout.write(lines(containers.map((c) => JSON.stringify(psJson(c, scope.name)))));
  const now = Date.now() / 1000;
  const rows = containers.map((c) => [c.name, c.image, quoted(c.command), c.service, `${ago(now - c.created)} ago`, c.status, ports(c)]);
  process.stdout.write(table([["NAME", "IMAGE", "COMMAND", "SERVICE", "CREATED", "STATUS", "PORTS"], ...rows]));
}

/** The fields docker compose ps --format json prints, one object a line. */
function psJson(c: ObservedContainer, project: string) {
  return {
    ID: c.id,
    Name: c.name,
    Image: c.image,
    Command: c.command,
    Project: project,
    Service: c.service,
    Created: c.created,
    State: c.state,
    Status: c.status,
    Health: listedHealth(c.status) ?? "",
    ExitCode: Number(/^Exited \((\d+)\)/.exec(c.status)?.[1] ?? 0),
    Publishers: c.ports.map((p) => ({ URL: p.IP ?? "", TargetPort: p.PrivatePort, PublishedPort: p.PublicPort ?? 0, Protocol: p.Type })),
  };
}

function quoted(command: string): string {
  const short = command.length > 20 ? `${command.slice(0, 19)}…` : command;
  return `"${short}"`;
}

function ports(c: ObservedContainer): string {
  return c.ports.map((p) => (p.PublicPort ? `${p.IP ?? ""}:${p.PublicPort}->${p.PrivatePort}/${p.Type}` : `${p.PrivatePort}/${p.Type}`)).join(", ");
}

/** Docker's HumanDuration, as ps prints it in CREATED. */
function ago(seconds: number): string {
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? "" : "s"}`;
  if (seconds < 1) return "Less than a second";
  if (seconds < 60) return plural(Math.floor(seconds), "second");
  const minutes = Math.floor(seconds / 60);
  if (minutes === 1) return "About a minute";
  if (minutes < 60) return plural(minutes, "minute");
  const hours = Math.round(minutes / 60);
  if (hours === 1) return "About an hour";
  if (hours < 48) return plural(hours, "hour");
  return plural(Math.floor(hours / 24), "day");
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return lines(rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join("   ").trimEnd()));
}
