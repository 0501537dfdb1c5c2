// The instructions that only change the image config: ENV, LABEL, WORKDIR, USER, EXPOSE, VOLUME, STOPSIGNAL,
// CMD, ENTRYPOINT, SHELL, HEALTHCHECK, ONBUILD, MAINTAINER. Pure: the stage's config and variables in, the
// config changed in place.
import { posix } from "node:path";
import { parseDuration } from "../../compose/syntax/duration.js";
import type { RunConfig } from "../image/config.js";
import { processWord, processWords, type Variables } from "./lexer.js";
import type { Instruction } from "./parser.js";

export const DEFAULT_SHELL = ["/bin/sh", "-c"];

export interface StageConfig {
  config: RunConfig;
  author?: string;
  /** Whether this stage set CMD: ENTRYPOINT clears only an inherited one. */
  cmdSet: boolean;
}

export class InstructionError extends Error {}

export const METADATA = new Set(["ENV", "LABEL", "WORKDIR", "USER", "EXPOSE", "VOLUME", "STOPSIGNAL", "CMD", "ENTRYPOINT", "SHELL", "HEALTHCHECK", "ONBUILD", "MAINTAINER"]);

/** `KEY=VALUE ...` (or the legacy `KEY VALUE`) with quotes and variables processed. */
export function keyValuePairs(i: Instruction, vars: Variables, escape: string): [string, string][] {
  const first = i.args.trimStart().split(/\s/, 1)[0]!;
  if (!first.includes("=")) {
    const rest = i.args.trimStart().slice(first.length).trim();
    if (rest === "") throw new InstructionError(`${i.keyword} names must be followed by a value: ${i.keyword} ${first} VALUE, or ${i.keyword} ${first}=VALUE`);
    return [[processWord(first, vars, escape), processWord(rest, vars, escape)]];
  }
  return processWords(i.args, vars, escape).map((word) => {
    const at = word.indexOf("=");
    if (at <= 0) throw new InstructionError(`${i.keyword} ${word}: expected KEY=VALUE`);
    return [word.slice(0, at), word.slice(at + 1)];
  });
}

/** The command of CMD, ENTRYPOINT, RUN and HEALTHCHECK CMD: the exec form as given, the shell form through SHELL. */
export function commandOf(i: Instruction, args: string, shell: string[]): string[] {
  return i.json ?? [...shell, args];
}

/** A HEALTHCHECK flag's Go duration ("30s", "1m30s", "500ms") in nanoseconds. */
function flagDuration(text: string, flag: string): number {
  try {
    return parseDuration(text);
  } catch {
    throw new InstructionError(`invalid duration for --${flag}: "${text}" (use e.g. 30s, 1m30s, 500ms)`);
  }
}

export function applyMetadata(i: Instruction, stage: StageConfig, vars: Variables, escape: string): void {
  const config = stage.config;
  const word = () => processWord(i.args.trim(), vars, escape);
  const shell = config.Shell ?? DEFAULT_SHELL;
  switch (i.keyword) {
    case "ENV": {
      let env = config.Env ?? [];
      for (const [key, value] of keyValuePairs(i, vars, escape)) {
        // a variable set again keeps its place, as in dockerd; a new one goes last
        const at = env.findIndex((e) => e.split("=", 1)[0] === key);
        env = at < 0 ? [...env, `${key}=${value}`] : env.map((e, n) => (n === at ? `${key}=${value}` : e));
      }
      config.Env = env;
      break;
    }
    case "LABEL":
      config.Labels = { ...config.Labels, ...Object.fromEntries(keyValuePairs(i, vars, escape)) };
      break;
    case "WORKDIR":
      config.WorkingDir = posix.resolve(config.WorkingDir || "/", word());
      break;
    case "USER":
      config.User = word();
      break;
    case "EXPOSE":
      for (const port of processWords(i.args, vars, escape)) {
        if (!/^\d+(-\d+)?(\/(tcp|udp|sctp))?$/i.test(port)) throw new InstructionError(`invalid containerPort: ${port}`);
        config.ExposedPorts = { ...config.ExposedPorts, [port.includes("/") ? port.toLowerCase() : `${port}/tcp`]: {} };
      }
      break;
    case "VOLUME": {
      const paths = i.json ? i.json.map((p) => processWord(p, vars, escape)) : processWords(i.args, vars, escape);
      for (const path of paths) {
        if (path.trim() === "") throw new InstructionError("VOLUME specified can not be an empty string");
        config.Volumes = { ...config.Volumes, [path]: {} };
      }
      break;
    }
    case "STOPSIGNAL":
      config.StopSignal = word();
      break;
    case "CMD":
      config.Cmd = commandOf(i, i.args, shell);
      if (!i.json) config.ArgsEscaped = true;
      stage.cmdSet = true;
      break;
    case "ENTRYPOINT":
      config.Entrypoint = commandOf(i, i.args, shell);
      if (!stage.cmdSet) config.Cmd = null;
      break;
    case "SHELL":
      config.Shell = i.json!;
      break;
    case "HEALTHCHECK":
      config.Healthcheck = healthcheck(i);
      break;
    case "ONBUILD":
      config.OnBuild = [...(config.OnBuild ?? []), i.args.trim()];
      break;
    case "MAINTAINER":
      stage.author = word();
      break;
  }
}

function healthcheck(i: Instruction): NonNullable<RunConfig["Healthcheck"]> {
  const [kind] = i.args.trim().split(/\s+/, 1);
  if (kind!.toUpperCase() === "NONE") return { Test: ["NONE"] };
  const rest = i.args.trim().slice(kind!.length).trim();
  const json = rest.startsWith("[") ? (JSON.parse(rest) as string[]) : undefined;
  const check: NonNullable<RunConfig["Healthcheck"]> = { Test: json ? ["CMD", ...json] : ["CMD-SHELL", rest] };
  const durations = { interval: "Interval", timeout: "Timeout", "start-period": "StartPeriod", "start-interval": "StartInterval" } as const;
  for (const [flag, field] of Object.entries(durations)) {
    if (i.flags[flag] !== undefined) check[field] = flagDuration(i.flags[flag], flag);
  }
  if (i.flags.retries !== undefined) {
    const retries = Number(i.flags.retries);
    if (!Number.isInteger(retries) || retries < 0) throw new InstructionError(`--retries must be a whole number of at least 0, not "${i.flags.retries}"`);
    check.Retries = retries;
  }
  return check;
}
