// Durations in Go's time.ParseDuration syntax ("1m30s", "500ms"), held as integer nanoseconds like Go's time.Duration.
// A JS number holds every nanosecond count exactly up to 2^53 ns, about 104 days: far beyond any timeout or interval.
import { ValueError } from "../errors.js";

const NS_PER_UNIT = new Map([
  ["ns", 1],
  ["us", 1e3],
  ["µs", 1e3], // U+00B5 micro sign
  ["μs", 1e3], // U+03BC Greek mu
  ["ms", 1e6],
  ["s", 1e9],
  ["m", 60e9],
  ["h", 3600e9],
]);
/** Go's largest time.Duration, 2^63-1 ns. */
const MAX_NS = 2 ** 63 - 1;

/** `<number><unit>` components; a unit is whatever runs up to the next digit or dot, checked against the table. */
const SYNTAX = /^(?:(?:\d+(?:\.\d*)?|\.\d+)[^\d.]+)+$/;
const COMPONENT = /(\d+(?:\.\d*)?|\.\d+)([^\d.]+)/g;

/** "1h2m3.5s" → nanoseconds. A bare number is read as its text, so only 0 goes without a unit, as in Go. */
export function parseDuration(value: string | number): number {
  const text = String(value);
  if (text === "0") return 0;
  if (text.startsWith("-")) throw new ValueError(`negative duration "${text}" (durations are 0 or more)`);
  const invalid = () => new ValueError(`invalid duration "${text}" (use a number with a unit: ns, us, ms, s, m, h, e.g. "1m30s")`);
  if (!SYNTAX.test(text)) throw invalid();

  let total = 0;
  for (const [, number, unitName] of text.matchAll(COMPONENT)) {
    const unit = NS_PER_UNIT.get(unitName);
    if (unit === undefined) throw invalid();
    const [whole, fraction = ""] = number.split(".");
    // Fractions truncate to whole nanoseconds, as Go does.
    total += Number(whole) * unit + Math.trunc(Number(fraction) * (unit / 10 ** fraction.length));
  }
  if (total > MAX_NS) throw new ValueError(`duration "${text}" is too long (the maximum is 2562047h47m16.854775807s)`);
  return total;
}

/** `count / perUnit` in decimal, without trailing zeros: 1500, 1000 → "1.5". */
function decimal(count: number, perUnit: number): string {
  const fraction = String(count % perUnit).padStart(String(perUnit).length - 1, "0").replace(/0+$/, "");
  const whole = String(Math.floor(count / perUnit));
  return fraction === "" ? whole : `${whole}.${fraction}`;
}

/** Nanoseconds → Go's time.Duration.String() text: "0s", "500ms", "1.5µs", "1m30s", "1h0m0s". */
export function formatDuration(ns: number): string {
  if (ns === 0) return "0s";
  if (ns < 1e3) return `${ns}ns`;
  if (ns < 1e6) return `${decimal(ns, 1e3)}µs`;
  if (ns < 1e9) return `${decimal(ns, 1e6)}ms`;
  const seconds = `${decimal(ns % 60e9, 1e9)}s`;
  const minutes = Math.floor(ns / 60e9) % 60;
  const hours = Math.floor(ns / 3600e9);
  if (hours > 0) return `${hours}h${minutes}m${seconds}`;
  return minutes > 0 ? `${minutes}m${seconds}` : seconds;
}
