// `ports`: one long-syntax entry per container port, short-syntax ranges expanded (compose-go's transformPorts).
import { located, type Path } from "../errors.js";
import type { NormalizeContext } from "../normalize.js";
import { checkPortConfig, parsePortSpec, type PortConfig } from "../syntax/ports.js";
import { at, isDict, withoutExtensions } from "./values.js";

export function normalizePorts(value: unknown[], path: Path, ctx: NormalizeContext): PortConfig[] {
  return value.flatMap((entry, i) =>
    located(at(ctx, [...path, i]), () => (isDict(entry) ? [checkPortConfig(withoutExtensions(entry))] : parsePortSpec(entry as string | number))),
  );
}
