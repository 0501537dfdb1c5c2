// Docker's `filters` query parameter: a JSON map of key → set of values, matched the way dockerd matches it.
import { ApiError } from "./errors.js";

export class Filters {
  private constructor(private readonly fields: ReadonlyMap<string, ReadonlySet<string>>) {}

  /**
   * Accepts both encodings clients send: `{"label":{"a=b":true}}` (current) and `{"label":["a=b"]}` (legacy).
   * Keys outside `accepted` are a 400 that lists the valid ones.
   */
  static parse(json: string | undefined, accepted: readonly string[]): Filters {
    const fields = new Map<string, Set<string>>();
    if (json === undefined || json === "") return new Filters(fields);
    let raw: unknown;
    try {
      raw = JSON.parse(json);
    } catch {
      throw new ApiError(400, `invalid filters ${JSON.stringify(json)}: expected a JSON object such as {"label":{"key=value":true}}`);
    }
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
      throw new ApiError(400, `invalid filters ${JSON.stringify(json)}: expected a JSON object such as {"label":{"key=value":true}}`);
    }
    for (const [key, values] of Object.entries(raw)) {
      if (!accepted.includes(key)) {
        throw new ApiError(400, `invalid filter '${key}': valid filters are ${accepted.join(", ")}`);
      }
      fields.set(key, new Set(filterValues(key, values)));
    }
    return new Filters(fields);
  }

  has(key: string): boolean {
    return this.fields.has(key);
  }

  values(key: string): string[] {
    return [...(this.fields.get(key) ?? [])];
  }

  /** True when the key is not filtered on, or `source` is one of its values. */
  exact(key: string, source: string): boolean {
    const values = this.fields.get(key);
    return values === undefined || values.size === 0 || values.has(source);
  }

  /** Like `exact`, but a value also matches as a prefix of `source` (short IDs). */
  fuzzy(key: string, source: string): boolean {
    return this.exact(key, source) || this.values(key).some((prefix) => source.startsWith(prefix));
  }

  /** Every `key` or `key=value` given under `filterKey` must be present in `labels`. */
  labels(filterKey: string, labels: Readonly<Record<string, string>>): boolean {
    return this.values(filterKey).every((wanted) => hasLabel(labels, wanted));
  }

  /** No `key` or `key=value` given under `filterKey` (a `label!` filter) is present in `labels`. */
  lacksLabels(filterKey: string, labels: Readonly<Record<string, string>>): boolean {
    return !this.values(filterKey).some((unwanted) => hasLabel(labels, unwanted));
  }
}

function hasLabel(labels: Readonly<Record<string, string>>, wanted: string): boolean {
  const eq = wanted.indexOf("=");
  const key = eq < 0 ? wanted : wanted.slice(0, eq);
  return Object.hasOwn(labels, key) && (eq < 0 || labels[key] === wanted.slice(eq + 1));
}

function filterValues(key: string, values: unknown): string[] {
  if (Array.isArray(values) && values.every((v) => typeof v === "string")) return values;
  if (values !== null && typeof values === "object" && !Array.isArray(values)) {
    return Object.entries(values)
      .filter(([, on]) => on === true)
      .map(([value]) => value);
  }
  throw new ApiError(400, `invalid filter '${key}': expected a list of strings or a {"value":true} map`);
}
