// A plan: small operations, each one engine call, with the operations each must wait for. It is built by
// reconcile.ts, printed by `up --dry-run` and run by orchestrate/executor.ts, which decides nothing itself.
import type { NetworkDefinition, VolumeDefinition } from "../compose/model.js";

export type WaitCondition = "service_healthy" | "service_completed_successfully";

export type Operation =
  | { kind: "pull-image"; image: string }
  /** builds `service`'s build section into `image` */
  | { kind: "build-image"; service: string; image: string }
  | { kind: "create-network"; name: string; key: string; definition: NetworkDefinition }
  | { kind: "create-volume"; name: string; key: string; definition: VolumeDefinition }
  /** `name` is the temporary `<old id12>_<name>` when it replaces a container that still holds the name */
  | { kind: "create-container"; service: string; number: number; name: string }
  | { kind: "start-container"; service: string; name: string }
  | { kind: "stop-container"; service: string; name: string; id: string }
  | { kind: "remove-container"; service: string; name: string; id: string }
  | { kind: "rename-container"; service: string; from: string; to: string }
  /** holds back what depends on `service` until its containers are healthy or have exited 0 */
  | { kind: "wait-service"; service: string; condition: WaitCondition; required: boolean }
  | { kind: "remove-network"; name: string }
  | { kind: "remove-volume"; name: string };

export interface PlanNode {
  id: string;
  op: Operation;
  /** ids of the nodes that must be done first */
  after: string[];
  /** why, for the printed plan: "config changed", "scale 3 → 1", "orphan" */
  cause?: string;
}

export interface Plan {
  nodes: PlanNode[];
  /** containers that are up to date and left alone */
  unchanged: string[];
  /** containers of services the project no longer has, left in place (without --remove-orphans) */
  orphans: string[];
}

/** Adds nodes with unique ids, so builders can refer to earlier nodes by the id they got back. */
export class PlanBuilder {
  readonly nodes: PlanNode[] = [];

  add(op: Operation, after: (string | undefined)[] = [], cause?: string): string {
    const id = `${this.nodes.length + 1}`;
    this.nodes.push({ id, op, after: [...new Set(after.filter((a): a is string => a !== undefined))], ...(cause && { cause }) });
    return id;
  }
}

export function describe(op: Operation): string {
  switch (op.kind) {
    case "pull-image":
      return `pull image ${op.image}`;
    case "build-image":
      return `build image ${op.image}`;
    case "create-network":
      return `create network ${op.name}`;
    case "create-volume":
      return `create volume ${op.name}`;
    case "create-container":
      return `create container ${op.name}`;
    case "start-container":
      return `start container ${op.name}`;
    case "stop-container":
      return `stop container ${op.name}`;
    case "remove-container":
      return `remove container ${op.name}`;
    case "rename-container":
      return `rename container ${op.from} to ${op.to}`;
    case "wait-service":
      return `wait for ${op.service} to be ${op.condition === "service_healthy" ? "healthy" : "completed successfully"}${op.required ? "" : " (optional)"}`;
    case "remove-network":
      return `remove network ${op.name}`;
    case "remove-volume":
      return `remove volume ${op.name}`;
  }
}

/** One line a node: `#3 start container demo-web-1 (after #1, #2) — config changed`. */
export function formatPlan(plan: Plan): string {
  if (plan.nodes.length === 0) return "nothing to do: everything is up to date\n";
  return plan.nodes
    .map((node) => {
      const after = node.after.length > 0 ? ` (after ${node.after.map((id) => `#${id}`).join(", ")})` : "";
      return `#${node.id} ${describe(node.op)}${after}${node.cause ? ` — ${node.cause}` : ""}\n`;
    })
    .join("");
}

/** Compose's warning about containers of services the project no longer has. */
export function orphanWarning(orphans: string[]): string {
  return (
    `Found orphan containers (${orphans.join(", ")}) for this project. If you removed or renamed this service in your ` +
    `compose file, you can run this command with the --remove-orphans flag to clean it up.`
  );
}
