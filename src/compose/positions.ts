// Where each key and value of a parsed compose file sits, so later steps can name file:line:col.
import type { Loc, Path } from "./errors.js";

const SEP = "\u0000";
const keyOf = (path: Path) => path.join(SEP);

export interface Spot {
  /** the key's position (absent for sequence items and the document root) */
  key?: Loc;
  value: Loc;
}

export class Positions {
  private readonly spots = new Map<string, Spot>();

  constructor(readonly file: string) {}

  set(path: Path, spot: Spot): void {
    this.spots.set(keyOf(path), spot);
  }

  has(path: Path): boolean {
    return this.spots.has(keyOf(path));
  }

  /** The position of `path` itself, or of the nearest ancestor the file spells out (aliases and merge keys). */
  locate(path: Path): Loc | undefined {
    for (let n = path.length; n >= 0; n--) {
      const spot = this.spots.get(keyOf(path.slice(0, n)));
      if (spot) return spot.key ?? spot.value;
    }
    return undefined;
  }

  /** The position of the value at `path` (for errors about a value rather than a key). */
  locateValue(path: Path): Loc | undefined {
    const spot = this.spots.get(keyOf(path));
    return spot ? spot.value : this.locate(path);
  }
}

/** What later steps ask of positions. */
export type Locator = Pick<Positions, "has" | "locate" | "locateValue">;

/** Positions worked out on first use (for files read by the fast parser: only errors and warnings need them). */
export function lazyLocator(compute: () => Locator): Locator {
  let positions: Locator | undefined;
  const get = () => (positions ??= compute());
  return {
    has: (path) => get().has(path),
    locate: (path) => get().locate(path),
    locateValue: (path) => get().locateValue(path),
  };
}
