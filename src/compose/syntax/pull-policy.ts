// A service's `pull_policy`, as compose-go's GetPullPolicy reads it: always, never, missing (if_not_present),
// build, and the timed ones — daily, weekly, every_<duration> — that pull again once the image is that old.
import { ValueError } from "../errors.js";

export type PullPolicy = { kind: "always" | "never" | "missing" | "build" } | { kind: "refresh"; intervalMs: number };

const HOUR = 3_600_000;
/** The units compose-go's duration parser (go-str2duration) takes: Go's, plus days and weeks. */
const MS_PER_UNIT: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, μs: 1e-3, ms: 1, s: 1000, m: 60_000, h: HOUR, d: 24 * HOUR, w: 7 * 24 * HOUR };
// µ and μ escaped: the CLI bundle is ASCII (bin/berth.js reads it as Latin-1).
const COMPONENT = /(\d+(?:\.\d+)?)(ns|us|\u00b5s|\u03bcs|ms|s|m|h|d|w)/gy;

export function parsePullPolicy(text: string): PullPolicy {
  switch (text) {
    case "always":
    case "never":
    case "missing":
    case "build":
      return { kind: text };
    case "if_not_present":
    case "refresh": // the schema's name for the timed kind; alone, compose-go reads it as missing
      return { kind: "missing" };
    case "daily":
      return { kind: "refresh", intervalMs: 24 * HOUR };
    case "weekly":
      return { kind: "refresh", intervalMs: 7 * 24 * HOUR };
  }
  if (!text.startsWith("every_")) {
    throw new ValueError(`invalid pull policy "${text}" (use always, never, missing, build, daily, weekly or every_<duration>, e.g. every_12h)`);
  }
  return { kind: "refresh", intervalMs: parseInterval(text.slice("every_".length), text) };
}

/** "12h", "1d12h", "30m" → milliseconds; more than nothing. */
function parseInterval(duration: string, policy: string): number {
  let total = 0;
  let end = 0;
  COMPONENT.lastIndex = 0;
  for (let match = COMPONENT.exec(duration); match; match = COMPONENT.exec(duration)) {
    total += Number(match[1]) * MS_PER_UNIT[match[2]!]!;
    end = COMPONENT.lastIndex;
  }
  if (end === 0 || end !== duration.length || total <= 0) {
    throw new ValueError(`invalid pull policy "${policy}": "${duration}" is no duration above zero (use a number with a unit: s, m, h, d, w, e.g. every_12h or every_1d12h)`);
  }
  return total;
}
