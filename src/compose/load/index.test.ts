import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadProject } from './index.js';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A project directory holding the given files (relative path → text). */
function projectWith(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-load-'));
  made.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

describe('loadProject: include environments', () => {
  it('gives included files the project name and the including file’s environment, nested too', async () => {
    const dir = projectWith({
      'compose.yaml': 'name: top\ninclude: [a/compose.yaml]\n',
      'a/compose.yaml':
        'include:\n  - path: b/compose.yaml\n    env_file: [b/one.env]\n' +
        'services:\n  api:\n    image: api:${COMPOSE_PROJECT_NAME}-${FROM_A}\n',
      'a/.env': 'FROM_A=a\nSHARED=from-a\n',
      'a/b/compose.yaml': 'services:\n  worker:\n    image: w:${SHARED}-${ONLY_B}\n',
      'a/b/one.env': 'SHARED=from-b\nONLY_B=b\n',
    });
    const { project } = await loadProject({ workingDir: dir, osEnv: {} });
    expect(project.services.api?.image).toBe('api:top-a');
    // The including project's value wins over the included env file's.
    expect(project.services.worker?.image).toBe('w:from-a-b');
  });

  it('reads an included project’s own .env even when COMPOSE_ENV_FILES names other files', async () => {
    const dir = projectWith({
      'compose.yaml': 'include: [lib/compose.yaml]\n',
      'top.env': 'TOP=1\n',
      'lib/compose.yaml': 'services:\n  lib:\n    image: lib:${LIB_TAG}-${TOP}\n',
      'lib/.env': 'LIB_TAG=7\n',
    });
    const { project } = await loadProject({ workingDir: dir, osEnv: { COMPOSE_ENV_FILES: 'top.env' } });
    expect(project.services.lib?.image).toBe('lib:7-1');
  });
});

describe('loadProject: selection', () => {
  const files = {
    'compose.yaml': [
      'services:',
      '  web: {image: web, depends_on: [db], networks: [front]}',
      '  db: {image: db, volumes: ["data:/data"]}',
      '  tool: {image: tool, volumes: ["cache:/cache"]}',
      'networks: {front: {}, spare: {}}',
      'volumes: {data: {}, cache: {}}',
    ].join('\n'),
  };

  it('keeps named services with their dependencies, and only the resources they use', async () => {
    const dir = projectWith(files);
    const { project } = await loadProject({ workingDir: dir, osEnv: {}, services: ['web'] });
    expect(Object.keys(project.services)).toEqual(['web', 'db']);
    expect(Object.keys(project.networks).sort()).toEqual(['default', 'front']);
    expect(Object.keys(project.volumes)).toEqual(['data']);
  });

  it('keeps every declared resource with allResources', async () => {
    const dir = projectWith(files);
    const { project } = await loadProject({ workingDir: dir, osEnv: {}, allResources: true });
    expect(Object.keys(project.networks).sort()).toEqual(['default', 'front', 'spare']);
    expect(Object.keys(project.volumes).sort()).toEqual(['cache', 'data']);
  });
});
