// The variables interpolation sees: the shell's, over those of `.env` or the `--env-file`s.
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseDotenv, type Lookup } from "./dotenv.js";
import { UserError } from "./errors.js";

export type Environment = Readonly<Record<string, string | undefined>>;

export interface EnvChoice {
  cwd: string;
  projectDir: string;
  /** `--env-file` values; when given, `.env` is not read */
  envFiles: string[];
  shell: Environment;
}

/** Variables from the env files, each file seeing the shell and the files before it; later files win. */
export function readEnvFiles(choice: EnvChoice): Record<string, string> {
  const paths = choice.envFiles.length > 0 ? choice.envFiles.map((file) => resolve(choice.cwd, file)) : defaultEnvFile(choice);
  const vars: Record<string, string> = {};
  for (const path of paths) {
    if (!existsSync(path)) throw new UserError(`env file not found: ${path}`);
    const lookup: Lookup = (name) => choice.shell[name] ?? vars[name];
    Object.assign(vars, parseDotenv(path, readFileSync(path, "utf8"), lookup));
  }
  return vars;
}

function defaultEnvFile(choice: EnvChoice): string[] {
  if (isTruthy(choice.shell.COMPOSE_DISABLE_ENV_FILE)) return [];
  const dotenv = join(choice.projectDir, ".env");
  return existsSync(dotenv) ? [dotenv] : [];
}

/** The shell wins over env files, as in Compose. */
export function lookupIn(shell: Environment, fileVars: Record<string, string>): Lookup {
  return (name) => shell[name] ?? fileVars[name];
}

export function isTruthy(value: string | undefined): boolean {
  return value !== undefined && /^(1|true|yes|on)$/i.test(value);
}
