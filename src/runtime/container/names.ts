// Container ids and names: ids are 64 random hex digits, names follow Docker's grammar and are unique.
import { randomBytes } from "node:crypto";
import { invalid } from "./errors.js";

const NAME = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export const newId = (): string => randomBytes(32).toString("hex");

export const shortId = (id: string): string => id.slice(0, 12);

/** The name without Docker's leading slash; throws when it breaks Docker's grammar. */
export function checkName(name: string): string {
  if (!NAME.test(name)) {
    throw invalid(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  }
  return name.replace(/^\//, "");
}

const ADJECTIVES = ["brave", "calm", "eager", "fond", "keen", "lucid", "merry", "quiet", "sharp", "tidy", "vivid", "wise"];
const NOUNS = ["anchor", "buoy", "cove", "dock", "harbor", "jetty", "keel", "mast", "pier", "quay", "sail", "wharf"];

/** A Docker-style generated name (`adjective_noun`), numbered when the plain form is taken. */
export function generateName(taken: (name: string) => boolean): string {
  const pick = (words: string[]) => words[randomBytes(1)[0]! % words.length]!;
  const base = `${pick(ADJECTIVES)}_${pick(NOUNS)}`;
  if (!taken(base)) return base;
  for (let n = 2; ; n++) if (!taken(`${base}${n}`)) return `${base}${n}`;
}
