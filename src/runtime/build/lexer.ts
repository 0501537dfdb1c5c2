// Dockerfile word processing, as Docker's shell lexer does it for FROM, COPY, ADD, ENV, LABEL, WORKDIR, USER,
// EXPOSE, VOLUME, STOPSIGNAL and ARG: quotes are removed ('...' literal, "..." with variables), the escape
// character escapes, and $VAR, ${VAR}, ${VAR:-word}, ${VAR-word}, ${VAR:+word}, ${VAR+word}, ${VAR:?msg} expand.
// An unset variable expands to nothing.

export type Variables = ReadonlyMap<string, string>;

export class SubstitutionError extends Error {}

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;

class Scanner {
  pos = 0;
  constructor(
    readonly text: string,
    readonly env: Variables,
    readonly escape: string,
  ) {}

  get done(): boolean {
    return this.pos >= this.text.length;
  }

  peek(offset = 0): string {
    return this.text[this.pos + offset] ?? "";
  }

  next(): string {
    return this.text[this.pos++] ?? "";
  }
}

/** Expands `text` as one word: quotes removed, variables substituted, no splitting. */
export function processWord(text: string, env: Variables, escape = "\\"): string {
  return words(new Scanner(text, env, escape), false).join("");
}

/** Expands `text` and splits it into words on unquoted whitespace (also whitespace that unquoted variables bring). */
export function processWords(text: string, env: Variables, escape = "\\"): string[] {
  return words(new Scanner(text, env, escape), true);
}

function words(s: Scanner, split: boolean): string[] {
  const result: string[] = [];
  let word = "";
  let inWord = false;
  const finish = () => {
    if (inWord) result.push(word);
    word = "";
    inWord = false;
  };
  while (!s.done) {
    const ch = s.next();
    if (split && /\s/.test(ch)) {
      finish();
    } else if (ch === s.escape) {
      inWord = true;
      // A trailing escape stays as it is.
      word += s.done ? ch : s.next();
    } else if (ch === "'") {
      inWord = true;
      word += singleQuoted(s);
    } else if (ch === '"') {
      inWord = true;
      word += doubleQuoted(s);
    } else if (ch === "$") {
      const value = variable(s);
      if (!split) {
        word += value;
        inWord = true;
        continue;
      }
      // Unquoted expansion is split on whitespace, as a shell would.
      const parts = value.split(/\s+/);
      for (const [i, part] of parts.entries()) {
        if (i > 0) finish();
        if (part !== "") {
          word += part;
          inWord = true;
        }
      }
    } else {
      inWord = true;
      word += ch;
    }
  }
  finish();
  return result;
}

function singleQuoted(s: Scanner): string {
  let out = "";
  while (!s.done) {
    const ch = s.next();
    if (ch === "'") return out;
    out += ch;
  }
  throw new SubstitutionError("unexpected end of statement while looking for matching single-quote");
}

function doubleQuoted(s: Scanner): string {
  let out = "";
  while (!s.done) {
    const ch = s.next();
    if (ch === '"') return out;
    if (ch === "$") {
      out += variable(s);
    } else if (ch === s.escape && (s.peek() === '"' || s.peek() === "$" || s.peek() === s.escape)) {
      out += s.next();
    } else {
      out += ch;
    }
  }
  throw new SubstitutionError("unexpected end of statement while looking for matching double-quote");
}

/** After a `$`: the variable's expansion, or a literal `$` when no name follows. */
function variable(s: Scanner): string {
  if (s.peek() === "{") {
    s.next();
    return braced(s);
  }
  if (!NAME_START.test(s.peek())) return "$";
  let name = "";
  while (NAME_CHAR.test(s.peek())) name += s.next();
  return s.env.get(name) ?? "";
}

function braced(s: Scanner): string {
  let name = "";
  while (NAME_CHAR.test(s.peek())) name += s.next();
  if (name === "") throw new SubstitutionError(`missing variable name in \${${s.text.slice(s.pos).split("}")[0]}}`);
  const ch = s.next();
  if (ch === "}") return s.env.get(name) ?? "";
  let operator = ch;
  if (ch === ":") operator += s.next();
  if (!["-", "+", "?", ":-", ":+", ":?"].includes(operator)) {
    throw new SubstitutionError(`unsupported modifier (${operator}) in substitution \${${name}${operator}...}`);
  }
  const word = bracedWord(s);
  const value = s.env.get(name);
  const set = operator.startsWith(":") ? value !== undefined && value !== "" : value !== undefined;
  switch (operator.replace(":", "")) {
    case "-":
      return set ? value! : word;
    case "+":
      return set ? word : "";
    default:
      if (!set) throw new SubstitutionError(`${name}: ${word || "is not allowed to be unset"}`);
      return value!;
  }
}

/** The word of `${VAR:-word}` up to the closing brace, itself expanded (quotes and nested variables). */
function bracedWord(s: Scanner): string {
  let out = "";
  while (!s.done) {
    const ch = s.next();
    if (ch === "}") return out;
    if (ch === s.escape && !s.done) out += s.next();
    else if (ch === "'") out += singleQuoted(s);
    else if (ch === '"') out += doubleQuoted(s);
    else if (ch === "$") out += variable(s);
    else out += ch;
  }
  throw new SubstitutionError("unexpected end of statement while looking for matching }");
}
