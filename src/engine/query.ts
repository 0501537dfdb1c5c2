// Query-string parameters with Docker's parsing rules.
import { ApiError } from "./errors.js";
import { Filters } from "./filters.js";

/** Docker reads these as false; any other value present is true (so "1", "true", "True", "yes"). */
const FALSE_WORDS = new Set(["", "0", "no", "false", "none"]);

export class Query {
  constructor(private readonly params: URLSearchParams) {}

  string(name: string): string | undefined {
    return this.params.get(name) ?? undefined;
  }

  bool(name: string, fallback = false): boolean {
    const value = this.params.get(name);
    if (value === null) return fallback;
    return !FALSE_WORDS.has(value.trim().toLowerCase());
  }

  int(name: string): number | undefined {
    const value = this.params.get(name);
    if (value === null || value === "") return undefined;
    if (!/^-?\d+$/.test(value.trim())) throw new ApiError(400, `invalid value for ${name}: ${JSON.stringify(value)} is not an integer`);
    return Number(value);
  }

  filters(accepted: readonly string[]): Filters {
    return Filters.parse(this.string("filters"), accepted);
  }
}
