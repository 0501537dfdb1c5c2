// Memory sizes as Docker's units.RAMInBytes reads them: "512m", "1.5gb", "100KiB", "2048". Units are binary (k = 1024).
import { ValueError } from "../errors.js";

const BYTES_PER_UNIT = new Map([
  ["k", 1024],
  ["m", 1024 ** 2],
  ["g", 1024 ** 3],
  ["t", 1024 ** 4],
  ["p", 1024 ** 5],
]);

/** A number, one optional space, then "b" or a unit letter with an optional "b" or "ib", in any case. */
const SIZE = /^(\d+(?:\.\d*)?|\.\d+) ?(?:b|([kmgtp])(?:i?b)?)?$/i;

/** Size → bytes. A number is already bytes; -1 stays, as it means "unlimited" (memswap_limit). */
export function parseBytes(value: string | number): number {
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value) || value < -1) throw new ValueError(`invalid size ${value} (use a whole number of bytes, or a string such as "512m")`);
    return value;
  }
  const match = SIZE.exec(value);
  if (!match) throw new ValueError(`invalid size "${value}" (use a number with an optional unit b, k, m, g, t or p, e.g. "512m" or "1.5g")`);
  const [, number, unit] = match;
  // Fractions of a byte are cut off, as Docker does.
  return Math.trunc(Number(number) * (unit ? BYTES_PER_UNIT.get(unit.toLowerCase())! : 1));
}
