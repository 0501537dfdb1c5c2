// The images a Dockerfile names as bases (FROM) and copy sources (COPY/ADD --from), read without building: a
// client sends credentials for their registries (X-Registry-Config). Stage names come out too; they parse as
// image names, and a client holding no credentials for docker.io sends none for them.
import { processWord, processWords } from "./lexer.js";
import { parseDockerfile } from "./parser.js";

/** The names after FROM and --from, with the build args and the global ARGs' defaults substituted. */
export function baseImageNames(dockerfile: string, buildArgs: Record<string, string>): string[] {
  const { escape, instructions } = parseDockerfile(dockerfile);
  const vars = new Map<string, string>();
  const first = instructions.findIndex((i) => i.keyword === "FROM");
  for (const i of instructions.slice(0, first < 0 ? 0 : first).filter((i) => i.keyword === "ARG")) {
    for (const word of processWords(i.args, vars, escape)) {
      const at = word.indexOf("=");
      const name = at < 0 ? word : word.slice(0, at);
      const value = buildArgs[name] ?? (at < 0 ? undefined : word.slice(at + 1));
      if (value !== undefined) vars.set(name, value);
    }
  }
  const words = instructions.flatMap((i) => (i.keyword === "FROM" ? [i.args.trim().split(/\s+/)[0]!] : i.flags.from !== undefined ? [i.flags.from] : []));
  return [...new Set(words.map((word) => processWord(word, vars, escape)))];
}
