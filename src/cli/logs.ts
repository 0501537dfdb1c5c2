// `berth logs`: the output of the project's containers (all services, or the named ones), each line prefixed
// `<service>-<n> |`, coloured per container on a terminal, as docker compose logs prints them.
import { UserError } from "../compose/errors.js";
import { parseDuration } from "../compose/syntax/duration.js";
import { engine } from "../engine/client.js";
import { engineCall } from "../orchestrate/engine-call.js";
import { containerLines, linePrefix } from "../orchestrate/log-lines.js";
import type { GlobalOptions } from "./options.js";
import { serviceContainers } from "./service-containers.js";

export interface LogsOptions {
  follow?: boolean;
  tail?: string;
  timestamps?: boolean;
  since?: string;
  until?: string;
  color: boolean;
  logPrefix: boolean;
  index?: string;
}

export async function logsCommand(globals: GlobalOptions, services: string[], options: LogsOptions): Promise<void> {
  if (options.tail !== undefined && options.tail !== "all" && !/^\d+$/.test(options.tail)) {
    throw new UserError(`invalid --tail "${options.tail}": use a number of lines or "all"`);
  }
  const now = Date.now();
  const since = options.since === undefined ? undefined : unixSeconds(options.since, "--since", now);
  const until = options.until === undefined ? undefined : unixSeconds(options.until, "--until", now);
  const docker = await engine({ host: globals.host });
  let { containers } = await serviceContainers(docker, globals, services);
  if (options.index !== undefined) containers = containers.filter((c) => c.number === Number(options.index));
  const label = (c: (typeof containers)[number]) => `${c.service}-${c.number}`;
  const width = Math.max(0, ...containers.map((c) => label(c).length));
  const colour = options.color && Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
  await Promise.all(
    containers.map((c, i) => {
      const prefix = options.logPrefix ? linePrefix(label(c), width, i, colour) : "";
      const lineOptions = { follow: options.follow ?? false, timestamps: options.timestamps, tail: options.tail, since, until };
      return engineCall(() => containerLines(docker, c.id, lineOptions, (line) => process.stdout.write(`${prefix}${line}\n`)));
    }),
  );
}

/**
 * `--since`/`--until` as the docker CLI takes them — Unix seconds, an RFC 3339 date, or a duration back from
 * now ("10m", "1h30m") — into the Unix seconds the engine takes.
 */
export function unixSeconds(text: string, flag: string, nowMs: number): string {
  if (/^\d+(\.\d{1,9})?$/.test(text)) return text;
  const date = Date.parse(text);
  if (/^\d{4}-\d{2}-\d{2}/.test(text) && !Number.isNaN(date)) return (date / 1000).toFixed(3);
  try {
    return ((nowMs - parseDuration(text) / 1e6) / 1000).toFixed(3);
  } catch {
    throw new UserError(`invalid ${flag} "${text}": use Unix seconds, an RFC 3339 date (2006-01-02T15:04:05Z) or a duration such as 10m`);
  }
}
