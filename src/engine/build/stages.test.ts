import { describe, expect, it } from 'vitest';
import { parseDockerfile } from './dockerfile/index.js';
import { neededStages, stageDependencies, targetStage } from './stages.js';

const file = parseDockerfile(
  [
    'ARG BASE=busybox',
    'FROM ${BASE} AS base',
    'FROM base AS deps',
    'RUN --mount=type=cache,target=/c --mount=type=bind,from=tools,target=/t true',
    'FROM busybox AS tools',
    'FROM busybox AS unused',
    'FROM base AS test',
    'COPY --from=deps /a /a',
    'FROM base',
    'COPY --from=2 /t /t',
    'COPY --from=deps /a /a',
  ].join('\n'),
  'Dockerfile',
);
const expand = (word: string) => word.replace('${BASE}', 'busybox');
const deps = (index: number) =>
  stageDependencies(file, file.stages[index]!, expand(file.stages[index]!.from.image), expand).map(
    (s) => s.index,
  );

describe('build stages', () => {
  it('finds what each stage reads: its FROM stage, COPY --from by name or index, RUN mounts from stages', () => {
    expect(deps(0)).toEqual([]);
    expect(deps(1)).toEqual([0]);
    expect(deps(4)).toEqual([0, 1]);
    expect(deps(5).sort()).toEqual([0, 1, 2]);
  });

  it('never lets a stage read a later one: `from=tools` before tools is defined names an image', () => {
    expect(deps(1)).not.toContain(2);
  });

  it('builds the last stage by default, and only the stages it needs', () => {
    const target = targetStage(file, undefined);
    expect(target.index).toBe(5);
    expect(
      neededStages(target, (s) => stageDependencies(file, s, expand(s.from.image), expand)).map(
        (s) => s.index,
      ),
    ).toEqual([0, 1, 2, 5]);
  });

  it('takes --target by name, case-insensitively, and names the stages when it is unknown', () => {
    expect(targetStage(file, 'TEST').index).toBe(4);
    expect(() => targetStage(file, 'release')).toThrow(
      /target stage "release" could not be found in Dockerfile/,
    );
    try {
      targetStage(file, 'release');
    } catch (error) {
      expect((error as { hint?: string }).hint).toBe('stages with a name: base, deps, tools, unused, test');
    }
  });
});
