// Which stages of a Dockerfile a build needs and what each waits for. A stage depends on the stage its FROM
// names and on the stages its `COPY --from` and `RUN --mount=from=` read; stages the target does not need are
// never built (Docker's BuildKit rule), and independent ones may be built at the same time.
// Invariant: a stage only ever refers to stages before it in the file, so the graph has no cycles.

import { BerthError } from '../../shared/errors.js';
import type { Dockerfile, Stage } from './dockerfile/types.js';

/** The earlier stage `ref` names (by `AS` name or index), or undefined when it names an image. */
export function findStage(dockerfile: Dockerfile, ref: string, before: number): Stage | undefined {
  const lower = ref.toLowerCase();
  if (/^\d+$/.test(ref)) {
    const index = Number(ref);
    return index < before ? dockerfile.stages[index] : undefined;
  }
  return dockerfile.stages.find((stage) => stage.index < before && stage.name === lower);
}

/** The `from=` of a raw `--mount` value, if any. */
export function mountFrom(spec: string): string | undefined {
  for (const field of spec.split(',')) {
    const [key = '', value] = field.split('=', 2);
    if (key.trim().toLowerCase() === 'from' && value !== undefined) return value.trim();
  }
  return undefined;
}

/**
 * The stages `stage` reads from. `fromImage` is the stage's FROM image after meta-ARG expansion, and `expand`
 * expands a `--from` value (both are passed in because expansion depends on the build arguments).
 */
export function stageDependencies(
  dockerfile: Dockerfile,
  stage: Stage,
  fromImage: string,
  expand: (word: string) => string,
): Stage[] {
  const refs: string[] = [fromImage];
  for (const instruction of stage.instructions) {
    if ((instruction.kind === 'COPY' || instruction.kind === 'ADD') && instruction.from !== undefined)
      refs.push(expand(instruction.from));
    if (instruction.kind === 'RUN')
      for (const mount of instruction.mounts) {
        const from = mountFrom(mount);
        if (from !== undefined) refs.push(expand(from));
      }
  }
  const found = new Map<number, Stage>();
  for (const ref of refs) {
    const dependency = findStage(dockerfile, ref, stage.index);
    if (dependency !== undefined) found.set(dependency.index, dependency);
  }
  return [...found.values()];
}

/** The stage a build produces: `target` by name (or index), else the last one. */
export function targetStage(dockerfile: Dockerfile, target: string | undefined): Stage {
  if (target === undefined || target === '') {
    const last = dockerfile.stages[dockerfile.stages.length - 1];
    if (last === undefined)
      throw new BerthError('InvalidArgument', `${dockerfile.file}: no build stage in the file`);
    return last;
  }
  const stage = findStage(dockerfile, target, dockerfile.stages.length);
  if (stage === undefined) {
    const names = dockerfile.stages.flatMap((s) => (s.name === undefined ? [] : [s.name]));
    throw new BerthError(
      'InvalidArgument',
      `target stage "${target}" could not be found in ${dockerfile.file}`,
      {
        hint:
          names.length > 0
            ? `stages with a name: ${names.join(', ')}`
            : 'no stage has a name (FROM image AS name)',
      },
    );
  }
  return stage;
}

/** The stages needed to build `target`, in file order (dependencies first). */
export function neededStages(target: Stage, dependencies: (stage: Stage) => readonly Stage[]): Stage[] {
  const needed = new Map<number, Stage>();
  const visit = (stage: Stage): void => {
    if (needed.has(stage.index)) return;
    needed.set(stage.index, stage);
    for (const dependency of dependencies(stage)) visit(dependency);
  };
  visit(target);
  return [...needed.values()].sort((a, b) => a.index - b.index);
}
