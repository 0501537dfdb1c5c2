// Sizes and durations in the text form compose prints: decimal bytes ("268435456") and Go durations ("1m30s").
import { located, type Path } from "../errors.js";
import type { Bytes, Duration } from "../model.js";
import type { NormalizeContext } from "../normalize.js";
import { parseBytes } from "../syntax/bytes.js";
import { formatDuration, parseDuration } from "../syntax/duration.js";
import { at } from "./values.js";

export function toBytes(value: unknown, path: Path, ctx: NormalizeContext): Bytes {
  return String(located(at(ctx, path), () => parseBytes(value as string | number)));
}

export function toDuration(value: unknown, path: Path, ctx: NormalizeContext): Duration {
  return formatDuration(located(at(ctx, path), () => parseDuration(value as string | number)));
}
