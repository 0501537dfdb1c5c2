// The Dockerfile parser: parser directives, comments, line continuations, heredocs, then one Instruction per
// instruction with its flags and its arguments (JSON exec form or plain text). Pure: variables are substituted
// later by the builder, which knows each stage's ARG and ENV values. Errors name the line, as
// `Dockerfile:3: unknown instruction: RUNN`.

export interface Heredoc {
  /** The terminator word, e.g. EOF. */
  name: string;
  content: string;
  /** Unquoted terminator: variables in the content expand (`<<EOF`, not `<<"EOF"`). */
  expand: boolean;
}

export interface Instruction {
  /** Line of the instruction's first line, 1-based. */
  line: number;
  /** Upper-case: FROM, RUN, COPY... */
  keyword: string;
  /** Leading `--name=value` options (`--name` alone is "true"). */
  flags: Record<string, string>;
  /** The arguments after the flags, continuations joined, heredoc bodies not included. */
  args: string;
  /** The arguments as a JSON array of strings (exec form), when they are one. */
  json?: string[];
  heredocs: Heredoc[];
  /** The instruction as written (continuations joined), for the build output and the cache key. */
  text: string;
}

export interface Dockerfile {
  escape: string;
  instructions: Instruction[];
}

export class DockerfileError extends Error {
  constructor(
    readonly line: number,
    message: string,
    readonly file = "Dockerfile",
  ) {
    super(`${file}:${line}: ${message}`);
  }
}

/** Flags each instruction takes; others are an error, as in Docker. */
const FLAGS: Record<string, readonly string[]> = {
  ADD: ["chown", "chmod", "link"],
  ARG: [],
  CMD: [],
  COPY: ["from", "chown", "chmod", "link"],
  ENTRYPOINT: [],
  ENV: [],
  EXPOSE: [],
  FROM: ["platform"],
  HEALTHCHECK: ["interval", "timeout", "start-period", "start-interval", "retries"],
  LABEL: [],
  MAINTAINER: [],
  ONBUILD: [],
  RUN: [],
  SHELL: [],
  STOPSIGNAL: [],
  USER: [],
  VOLUME: [],
  WORKDIR: [],
};

/** Flags only BuildKit implements: a clear error rather than "unknown flag". (`--link` changes only BuildKit's caching: accepted.) */
const BUILDKIT_FLAGS: Record<string, readonly string[]> = {
  RUN: ["mount", "network", "security"],
  COPY: ["exclude", "parents"],
  ADD: ["exclude", "checksum", "keep-git-dir"],
};

const HEREDOC_KEYWORDS = new Set(["RUN", "COPY", "ADD"]);
const HEREDOC = /<<(-?)(["']?)([A-Za-z_][A-Za-z0-9_]*)\2/g;
const DIRECTIVE = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.*?)\s*$/;
const KNOWN_DIRECTIVES = new Set(["escape", "syntax", "check"]);

export function parseDockerfile(text: string, file = "Dockerfile"): Dockerfile {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const fail = (line: number, message: string) => new DockerfileError(line, message, file);
  let index = 0;
  const directives = new Map<string, string>();
  for (; index < lines.length; index++) {
    const match = DIRECTIVE.exec(lines[index]!);
    const key = match?.[1]!.toLowerCase();
    if (!match || !KNOWN_DIRECTIVES.has(key!)) break;
    if (directives.has(key!)) throw fail(index + 1, `only one ${key} parser directive can be used`);
    directives.set(key!, match[2]!);
  }
  const escape = directives.get("escape") ?? "\\";
  if (escape !== "\\" && escape !== "`") throw fail(1, `invalid escape token '${escape}' does not match ` + "` or \\");

  const instructions: Instruction[] = [];
  while (index < lines.length) {
    const start = index;
    const first = lines[index++]!;
    if (isBlank(first) || isComment(first)) continue;
    let full = first.trimStart();
    let ended = !continues(full, escape);
    if (!ended) full = dropEscape(full);
    while (!ended && index < lines.length) {
      const next = lines[index++]!;
      if (isComment(next) || isBlank(next)) continue;
      ended = !continues(next, escape);
      full += ended ? next : dropEscape(next);
    }
    const instruction = parseLine(full.trimEnd(), start + 1, fail);
    if (HEREDOC_KEYWORDS.has(instruction.keyword)) index = readHeredocs(instruction, lines, index, fail);
    instructions.push(instruction);
  }
  return { escape, instructions };
}

const isBlank = (line: string) => line.trim() === "";
const isComment = (line: string) => line.trimStart().startsWith("#");
const continues = (line: string, escape: string) => line.trimEnd().endsWith(escape);
const dropEscape = (line: string) => line.trimEnd().slice(0, -1);

function parseLine(full: string, line: number, fail: (line: number, message: string) => Error): Instruction {
  const match = /^(\S+)\s*([\s\S]*)$/.exec(full)!;
  const keyword = match[1]!.toUpperCase();
  const allowed = FLAGS[keyword];
  if (!allowed) throw fail(line, `unknown instruction: ${match[1]}`);
  let rest = match[2]!;
  const flags: Record<string, string> = {};
  for (let flag = /^--([a-z][a-z-]*)(?:=(\S*))?(?:\s+|$)/.exec(rest); flag; flag = /^--([a-z][a-z-]*)(?:=(\S*))?(?:\s+|$)/.exec(rest)) {
    const name = flag[1]!;
    if (BUILDKIT_FLAGS[keyword]?.includes(name)) throw fail(line, `${keyword} --${name} requires BuildKit; berth's builder is the classic one`);
    if (!allowed.includes(name)) throw fail(line, `unknown flag: --${name}`);
    if (name in flags) throw fail(line, `duplicate flag specified: --${name}`);
    flags[name] = flag[2] ?? "true";
    rest = rest.slice(flag[0].length);
  }
  const instruction: Instruction = { line, keyword, flags, args: rest, heredocs: [], text: full };
  const json = jsonArray(rest);
  if (json) instruction.json = json;
  checkArguments(instruction, (message) => fail(line, message));
  return instruction;
}

/** `["a", "b"]` as a string array; anything else (plain text, other JSON) is not the exec form. */
function jsonArray(text: string): string[] | undefined {
  if (!text.startsWith("[")) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) && value.every((v) => typeof v === "string") ? value : undefined;
  } catch {
    return undefined;
  }
}

function checkArguments(i: Instruction, fail: (message: string) => Error): void {
  const words = i.args.split(/\s+/).filter((w) => w !== "");
  // HEALTHCHECK says what it needs itself, below.
  if (i.keyword !== "HEALTHCHECK" && words.length === 0) throw fail(`${i.keyword} requires at least one argument`);
  switch (i.keyword) {
    case "FROM":
      if (words.length !== 1 && !(words.length === 3 && words[1]!.toUpperCase() === "AS")) {
        throw fail("FROM requires either one or three arguments");
      }
      break;
    case "COPY":
    case "ADD":
      if ((i.json ?? words).length < 2 && !i.args.includes("<<")) throw fail(`${i.keyword} requires at least two arguments, but only one was provided. Destination could not be determined`);
      break;
    case "USER":
    case "STOPSIGNAL":
      if (words.length !== 1) throw fail(`${i.keyword} requires exactly one argument`);
      break;
    case "SHELL":
      if (!i.json || i.json.length === 0) throw fail("SHELL requires the arguments to be in JSON form");
      break;
    case "ONBUILD": {
      const inner = words[0]!.toUpperCase();
      if (inner === "ONBUILD") throw fail("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
      if (inner === "FROM" || inner === "MAINTAINER") throw fail(`${inner} isn't allowed as an ONBUILD trigger`);
      if (!FLAGS[inner]) throw fail(`unknown instruction: ${words[0]}`);
      break;
    }
    case "HEALTHCHECK":
      if (words.length === 0) throw fail("HEALTHCHECK requires an argument: CMD ... or NONE");
      if (words[0]!.toUpperCase() === "NONE" && words.length > 1) throw fail("HEALTHCHECK NONE takes no arguments");
      if (!["NONE", "CMD"].includes(words[0]!.toUpperCase())) throw fail(`HEALTHCHECK: unknown type "${words[0]}": use CMD or NONE`);
      if (words[0]!.toUpperCase() === "CMD" && words.length === 1) throw fail("HEALTHCHECK CMD requires a command");
      break;
  }
}

/** Reads the bodies of the heredocs the instruction's line opens; returns the index of the line after the last. */
function readHeredocs(i: Instruction, lines: string[], index: number, fail: (line: number, message: string) => Error): number {
  if (i.json) return index;
  for (const match of i.args.matchAll(HEREDOC)) {
    const [, dash, quote, name] = match;
    const body: string[] = [];
    for (;;) {
      if (index >= lines.length) throw fail(i.line, `unterminated heredoc <<${name}: no line "${name}" ends it`);
      let line = lines[index++]!;
      if (dash) line = line.replace(/^\t+/, "");
      if (line === name) break;
      body.push(line);
    }
    i.heredocs.push({ name: name!, content: body.map((l) => `${l}\n`).join(""), expand: quote === "" });
  }
  return index;
}
