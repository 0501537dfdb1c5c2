// Signals by name or number, as Docker's signal.ParseSignal reads them on Linux: "TERM", "sigterm", "15", "RTMIN+3".
import { ValueError } from "../errors.js";

const STANDARD = ["HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM", "STKFLT",
  "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS"];
const RTMIN = 34;
const RTMAX = 64;

/** Canonical name (without "SIG") → number: 1-31, then the real-time signals as `kill -l` names them. */
const NUMBERS = new Map<string, number>(STANDARD.map((name, i) => [name, i + 1]));
NUMBERS.set("RTMIN", RTMIN);
for (let n = 1; n <= 15; n++) NUMBERS.set(`RTMIN+${n}`, RTMIN + n);
for (let n = 14; n >= 1; n--) NUMBERS.set(`RTMAX-${n}`, RTMAX - n);
NUMBERS.set("RTMAX", RTMAX);

const NAMES = new Map([...NUMBERS].map(([name, number]) => [number, name]));
/** Older names Linux keeps as synonyms. */
const ALIASES = new Map([
  ["IOT", "ABRT"],
  ["CLD", "CHLD"],
  ["POLL", "IO"],
]);

/** "term", "SIGTERM", "15" → "SIGTERM"; synonyms become their usual name ("SIGIOT" → "SIGABRT"). */
export function parseSignal(signal: string | number): string {
  const text = String(signal);
  const name = /^\d+$/.test(text) ? NAMES.get(Number(text)) : canonicalName(text);
  if (name === undefined) {
    throw new ValueError(`unknown signal "${text}" (use a name such as SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGUSR1, or a number 1-31 or 34-64)`);
  }
  return `SIG${name}`;
}

function canonicalName(text: string): string | undefined {
  const upper = text.toUpperCase();
  const bare = upper.startsWith("SIG") ? upper.slice(3) : upper;
  const name = ALIASES.get(bare) ?? bare;
  return NUMBERS.has(name) ? name : undefined;
}

/** The Linux signal number, for sending it. */
export function signalNumber(signal: string | number): number {
  return NUMBERS.get(parseSignal(signal).slice(3))!;
}
