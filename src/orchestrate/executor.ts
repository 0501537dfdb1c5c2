// Runs a DAG of nodes with bounded parallelism: every node whose dependencies are done starts at once, up to
// `parallel` at a time (or, where `early` allows it, once a dependency has begun). On the first failure nothing new
// starts and the running nodes are told to give up (their signal aborts: a wait for a healthy dependency ends at
// once); once they have returned, it throws the failure.
import { UserError } from "../compose/errors.js";

export interface DagNode {
  id: string;
  after: string[];
}

export interface RunOptions<N extends DagNode = DagNode> {
  /** at most this many nodes at a time; unlimited when 0 or less */
  parallel?: number;
  /** Whether `node` may begin while `dependency` still runs: the run then gets the dependencies still running. */
  early?: (node: N, dependency: N) => boolean;
}

export async function runDag<N extends DagNode>(
  nodes: N[],
  run: (node: N, signal: AbortSignal, running: N[]) => Promise<void>,
  options: RunOptions<N> = {},
): Promise<void> {
  const limit = options.parallel && options.parallel > 0 ? options.parallel : Infinity;
  const ids = new Set(nodes.map((n) => n.id));
  for (const node of nodes) {
    const unknown = node.after.find((id) => !ids.has(id));
    if (unknown) throw new Error(`plan node ${node.id} waits for unknown node ${unknown}`);
  }
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const waitingOn = new Map(nodes.map((n) => [n.id, new Set(n.after)]));
  const dependents = new Map<string, N[]>();
  for (const node of nodes) for (const id of node.after) dependents.set(id, [...(dependents.get(id) ?? []), node]);
  const ready = nodes.filter((n) => n.after.length === 0);
  const queued = new Set(ready.map((n) => n.id));
  const begun = new Set<string>();
  /** Queues the dependents of `node` that may begin now: every dependency done, or begun where `early` allows. */
  const release = (node: N) => {
    for (const next of dependents.get(node.id) ?? []) {
      if (queued.has(next.id)) continue;
      const blockers = [...waitingOn.get(next.id)!].map((id) => byId.get(id)!);
      if (blockers.every((b) => begun.has(b.id) && options.early?.(next, b))) {
        queued.add(next.id);
        ready.push(next);
      }
    }
  };
  let running = 0;
  let done = 0;
  let failure: { error: unknown } | undefined;
  const failed = new AbortController();

  return new Promise((resolve, reject) => {
    const finish = () => {
      if (running > 0) return;
      if (failure) reject(failure.error);
      else if (done === nodes.length) resolve();
      else reject(new Error(`plan has a cycle: ${nodes.length - done} nodes can never run`));
    };
    const pump = () => {
      while (!failure && running < limit && ready.length > 0) {
        const node = ready.shift()!;
        running++;
        const runningDependencies = [...waitingOn.get(node.id)!].map((id) => byId.get(id)!);
        begun.add(node.id);
        Promise.resolve().then(() => run(node, failed.signal, runningDependencies)).then(
          () => {
            running--;
            done++;
            for (const next of dependents.get(node.id) ?? []) waitingOn.get(next.id)!.delete(node.id);
            release(node);
            pump();
          },
          (error: unknown) => {
            running--;
            failure ??= { error };
            failed.abort(error);
            pump();
          },
        );
        release(node);
      }
      if (running === 0 && (failure || ready.length === 0)) finish();
    };
    pump();
  });
}

/** `--parallel`, else COMPOSE_PARALLEL_LIMIT, else unlimited (-1, as compose). */
export function parallelLimit(flag: string | undefined, env: NodeJS.ProcessEnv): number {
  const text = flag ?? env.COMPOSE_PARALLEL_LIMIT;
  if (text === undefined || text === "") return -1;
  const n = Number(text);
  if (!Number.isInteger(n) || n === 0 || n < -1) throw new UserError(`invalid parallel limit "${text}": use a whole number above 0, or -1 for unlimited`);
  return n;
}
