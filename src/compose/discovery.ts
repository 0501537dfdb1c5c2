// Which compose files make up the project, and where its project directory is (Compose's rules).
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { UserError } from "./errors.js";

// In compose-go's order of preference (note .yml before .yaml for the legacy and override names).
export const DEFAULT_FILES = ["compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"];
export const OVERRIDE_FILES = ["compose.override.yml", "compose.override.yaml", "docker-compose.override.yml", "docker-compose.override.yaml"];

/** `-` stands for standard input, as with `-f -`. */
export const STDIN = "-";

export interface FileChoice {
  cwd: string;
  /** `--project-directory`: where discovery starts instead of the working directory */
  projectDirectory?: string;
  /** `-f` values, in order */
  files: string[];
  /** COMPOSE_FILE, split on COMPOSE_PATH_SEPARATOR */
  composeFile?: string;
  pathSeparator?: string;
}

/** The compose files in merge order, absolute (or `-`). */
export function findComposeFiles(choice: FileChoice): string[] {
  const named = choice.files.length > 0 ? choice.files : splitComposeFile(choice.composeFile, choice.pathSeparator);
  if (named.length > 0) {
    return named.map((file) => {
      if (file === STDIN) return file;
      const path = resolve(choice.cwd, file);
      if (!existsSync(path)) throw new UserError(`compose file not found: ${path}`);
      return path;
    });
  }
  const start = resolve(choice.cwd, choice.projectDirectory ?? ".");
  for (let dir = start; ; dir = dirname(dir)) {
    const main = firstExisting(dir, DEFAULT_FILES);
    if (main) {
      const override = firstExisting(dir, OVERRIDE_FILES);
      return override ? [main, override] : [main];
    }
    if (dirname(dir) === dir) break;
  }
  throw new UserError(`no compose file found in ${start} or its parents (looked for ${DEFAULT_FILES.join(", ")})`);
}

function splitComposeFile(value: string | undefined, separator = ":"): string[] {
  return (value ?? "").split(separator).filter((part) => part !== "");
}

function firstExisting(dir: string, names: string[]): string | undefined {
  return names.map((name) => join(dir, name)).find((path) => existsSync(path));
}

/** `--project-directory` when given, else the first file's directory (standard input counts as the working directory). */
export function projectDirectory(cwd: string, files: string[], flag?: string): string {
  if (flag) return resolve(cwd, flag);
  const first = files[0];
  return first === undefined || first === STDIN ? resolve(cwd) : dirname(first);
}
