/** A layered DAG of `layers × width` tasks for the scale tests: constants, then sums of two neighbours above. */
export function wideDag(name: string, layers: number, width: number) {
  const id = (layer: number, index: number): string => `t${layer}_${index}`;
  const tasks: { id: string; fn: string; args?: string[]; extraArgs?: unknown[] }[] = [];
  for (let layer = 0; layer < layers; layer++) {
    for (let index = 0; index < width; index++) {
      if (layer === 0) tasks.push({ id: id(0, index), fn: "std.constant", extraArgs: [index] });
      else tasks.push({ id: id(layer, index), fn: "std.sum", args: [id(layer - 1, index), id(layer - 1, (index + 1) % width)] });
    }
  }
  return { format: "handoff.dag", version: 1, name, tasks };
}
