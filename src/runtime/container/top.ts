// `GET /containers/{id}/top`: the host's ps, limited to the container's processes, as dockerd does it.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { conflict, invalid } from "./errors.js";
import type { Container } from "./lifecycle.js";

export interface TopResult {
  Titles: string[];
  Processes: string[][];
}

/** Splits one ps line into the columns of `titles`; the last column (the command) keeps its spaces. */
function columns(line: string, count: number): string[] {
  const fields = line.trim().split(/\s+/);
  return [...fields.slice(0, count - 1), fields.slice(count - 1).join(" ")];
}

export async function top(c: Container, psArgs = "-ef"): Promise<TopResult> {
  if (!c.running || !c.cgroup) throw conflict(`Container ${c.id} is not running`);
  const pids = new Set(await c.cgroup.pids());
  const args = psArgs.trim().split(/\s+/).filter(Boolean);
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)("ps", args, { maxBuffer: 16 * 1024 * 1024 }));
  } catch (err) {
    throw invalid(`ps ${psArgs} failed: ${(err as { stderr?: string }).stderr?.trim() || (err as Error).message}`);
  }
  const [header = "", ...lines] = stdout.split("\n").filter(Boolean);
  const titles = header.trim().split(/\s+/);
  const pidColumn = titles.indexOf("PID");
  if (pidColumn < 0) throw invalid(`Couldn't find PID field in ps output: give ps options whose output has a PID column`);
  const processes = lines.map((line) => columns(line, titles.length)).filter((row) => pids.has(Number(row[pidColumn])));
  return { Titles: titles, Processes: processes };
}
