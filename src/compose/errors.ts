// User-facing errors and warnings. Every message a user sees names the file, line and key it is about.

export type Path = readonly (string | number)[];

export interface Loc {
  file: string;
  line: number;
  col: number;
}

/** `services.web.ports[0]`: the key path as the user reads it in the file. */
export function formatPath(path: Path): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? part : `.${part}`;
  }
  return out;
}

function prefix(loc: Loc | undefined, path: Path | undefined): string {
  const where = loc ? `${loc.file}:${loc.line}:${loc.col}: ` : "";
  const key = path && path.length > 0 ? `${formatPath(path)}: ` : "";
  return where + key;
}

/** An error caused by the user's input: printed as one line, never with a stack trace, exit status 1. */
export class UserError extends Error {
  readonly loc?: Loc;
  readonly path?: Path;
  readonly detail: string;

  constructor(detail: string, where: { loc?: Loc; path?: Path } = {}) {
    super(prefix(where.loc, where.path) + detail);
    this.name = "UserError";
    this.detail = detail;
    this.loc = where.loc;
    this.path = where.path;
  }
}

export interface Warning {
  message: string;
  loc?: Loc;
  path?: Path;
}

export function formatWarning(w: Warning): string {
  return prefix(w.loc, w.path) + w.message;
}

/** Where the loader reports warnings; the CLI prints them, tests collect them. */
export type Warn = (w: Warning) => void;

/**
 * A value is invalid, and the code that found out does not know where the value sits (pure syntax parsers
 * for ports, durations, sizes...). The caller that knows turns it into a UserError with `located`.
 */
export class ValueError extends Error {
  override name = "ValueError";
}

/** Runs `parse`, turning a ValueError into a UserError at `where`. */
export function located<T>(where: { loc?: Loc; path?: Path }, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof ValueError) throw new UserError(err.message, where);
    throw err;
  }
}
