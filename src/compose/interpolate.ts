// Step 2: `${VAR}` substitution in every value of a compose file, as compose-go's template package does it.
import type { Lookup } from "./dotenv.js";
import { UserError, located, type Loc, type Path, type Warn } from "./errors.js";
import type { Dict, ParsedFile } from "./parse.js";
import { castAt } from "./typecast.js";

export interface Where {
  loc?: Loc;
  path?: Path;
}

const NAME = /^[_a-zA-Z][_a-zA-Z0-9]*/;
/** `NAME`, or `NAME` then an operator (`:-` `-` `:?` `?` `:+` `+`) and its argument */
const BRACED = /^([_a-zA-Z][_a-zA-Z0-9]*)(?:(:?[-?+])([\s\S]*))?$/;

/** `text` with `$V`, `${V}`, `${V<op>arg}` replaced and `$$` turned into `$`; a `$` before anything else stays. */
export function interpolate(text: string, lookup: Lookup, where: Where, warn: Warn): string {
  let out = "";
  let at = 0;
  for (let dollar = text.indexOf("$"); dollar >= 0; dollar = text.indexOf("$", at)) {
    out += text.slice(at, dollar);
    const next = text[dollar + 1];
    if (next === "$") {
      out += "$";
      at = dollar + 2;
    } else if (next === "{") {
      const close = closingBrace(text, dollar + 1);
      if (close < 0) throw invalid(text.slice(dollar), 'missing "}"', where);
      out += substitute(text.slice(dollar, close + 1), lookup, where, warn);
      at = close + 1;
    } else {
      const name = NAME.exec(text.slice(dollar + 1))?.[0];
      out += name ? valueOf(name, lookup, where, warn) : "$";
      at = dollar + 1 + (name?.length ?? 0);
    }
  }
  return out + text.slice(at);
}

/** Interpolates every string value of `file.data` (keys never), then casts those the schema wants typed. */
export function interpolateFile(file: ParsedFile, lookup: Lookup, warn: Warn): void {
  // Rebuilds the tree rather than editing it: YAML aliases share one object between several paths, and
  // each path must be interpolated once and cast by its own rule.
  const visit = (value: unknown, path: Path): unknown => {
    if (typeof value === "string") {
      // the position is looked up only when an error or warning needs it
      const where = { path, get loc() { return file.positions.locateValue(path); } };
      const text = value.includes("$") ? interpolate(value, lookup, where, warn) : value;
      const cast = castAt(path);
      return cast ? located(where, () => cast(text, (message) => warn({ message, ...where }))) : text;
    }
    if (Array.isArray(value)) return value.map((item, i) => visit(item, [...path, i]));
    if (value !== null && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, visit(item, [...path, key])]));
    }
    return value;
  };
  file.data = visit(file.data, []) as Dict;
}

/** Index of the `}` that closes the `{` at `open`, counting nested braces; -1 if there is none. */
function closingBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === "{") depth++;
    else if (text[i] === "}" && --depth === 0) return i;
  }
  return -1;
}

/** The value of one `${...}` expression. */
function substitute(expression: string, lookup: Lookup, where: Where, warn: Warn): string {
  const body = expression.slice(2, -1);
  const match = BRACED.exec(body);
  if (!match) throw invalid(expression, whatIsWrong(body), where);
  const [, name, operator, arg = ""] = match;
  if (operator === undefined) return valueOf(name, lookup, where, warn);

  const value = lookup(name);
  const set = value !== undefined;
  const nonEmpty = set && value !== "";
  // the argument is interpolated only when used, so an unused default never warns
  const expandArg = () => interpolate(arg, lookup, where, warn);
  switch (operator) {
    case ":-":
      return nonEmpty ? value : expandArg();
    case "-":
      return set ? value : expandArg();
    case ":+":
      return nonEmpty ? expandArg() : "";
    case "+":
      return set ? expandArg() : "";
    default: {
      // `?` and `:?`: the argument is the message for when the value is missing
      if (set && (operator === "?" || nonEmpty)) return value;
      const reason = expandArg();
      throw new UserError(`required variable ${name} is missing a value${reason ? `: ${reason}` : ""}`, where);
    }
  }
}

function valueOf(name: string, lookup: Lookup, where: Where, warn: Warn): string {
  const value = lookup(name);
  if (value !== undefined) return value;
  warn({ message: `the "${name}" variable is not set, defaulting to a blank string`, ...where });
  return "";
}

function whatIsWrong(body: string): string {
  if (body === "") return "missing variable name";
  const name = NAME.exec(body)?.[0];
  if (!name) return 'a variable name must start with a letter or "_"';
  return `unexpected "${body.slice(name.length)}" after ${name} (operators are :- - :? ? :+ +)`;
}

function invalid(expression: string, problem: string, where: Where): UserError {
  return new UserError(`invalid interpolation format "${expression}": ${problem}; write "$$" for a literal "$"`, where);
}
