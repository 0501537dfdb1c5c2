// `berth logs`: the output of the project's containers (all services, or the named ones), each line prefixed
// `<service>-<n> |`, coloured per container on a terminal, as docker compose logs prints them; with -f, also of
// the containers that start while it runs.
import { UserError } from "../compose/errors.js";
import { parseDuration } from "../compose/syntax/duration.js";
import { engine } from "../engine/client.js";
import { engineCall } from "../orchestrate/engine-call.js";
import { followLogs, type FollowedContainer } from "../orchestrate/follow-logs.js";
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
  const listedAfter = Date.now() / 1000;
  const { scope, containers } = await serviceContainers(docker, globals, services);
  const wanted = (c: FollowedContainer) => (services.length === 0 || services.includes(c.service)) && (options.index === undefined || c.number === Number(options.index));
  const prefix = prefixes(options.logPrefix && options.color && Boolean(process.stdout.isTTY) && !process.env.NO_COLOR);
  containers.filter(wanted).forEach((c) => prefix.add(c));
  const write = (c: FollowedContainer, line: string) => process.stdout.write(`${options.logPrefix ? prefix.of(c) : ""}${line}\n`);
  const lineOptions = { follow: options.follow ?? false, timestamps: options.timestamps, tail: options.tail, since, until };
  if (options.follow) {
    // containers that start later (a scale-up, a recreate) are followed too, each with a prefix of its own
    return followLogs({ docker, project: scope.name, containers: containers.filter(wanted), listedAfter, lineOptions, wanted, line: write });
  }
  await Promise.all(containers.filter(wanted).map((c) => engineCall(() => containerLines(docker, c.id, lineOptions, (line) => write(c, line)))));
}

/**
 * The `<service>-<n> |` prefixes, padded to the longest label so far and coloured in the order containers come
 * (a replacement keeps its replica's colour), as compose's log printer does.
 */
function prefixes(colour: boolean) {
  /** label → colour index */
  const seen = new Map<string, number>();
  let width = 0;
  const add = (c: FollowedContainer): string => {
    const label = `${c.service}-${c.number}`;
    if (!seen.has(label)) {
      seen.set(label, seen.size);
      width = Math.max(width, label.length);
    }
    return label;
  };
  return {
    add,
    of(c: FollowedContainer): string {
      const label = add(c);
      return linePrefix(label, width, seen.get(label)!, colour);
    },
  };
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
