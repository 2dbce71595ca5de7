import { describe, expect, it } from 'vitest';
import { canonicalJson, stepKey } from './cache-key.js';

describe('step keys', () => {
  it('do not depend on the order of object keys', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe('{"a":[{"c":3,"d":2}],"b":1}');
    expect(stepKey('p', { x: 1, y: 2 })).toBe(stepKey('p', { y: 2, x: 1 }));
  });

  it('change with the parent and with every part', () => {
    const base = stepKey('parent', 'RUN', ['sh', '-c', 'make']);
    expect(stepKey('other', 'RUN', ['sh', '-c', 'make'])).not.toBe(base);
    expect(stepKey('parent', 'RUN', ['sh', '-c', 'make all'])).not.toBe(base);
    expect(stepKey('parent', 'RUN', ['sh', '-c', 'make'], [['A', '1']])).not.toBe(base);
  });

  it('keep parts apart, so moving text between them changes the key', () => {
    expect(stepKey('p', 'ab', 'c')).not.toBe(stepKey('p', 'a', 'bc'));
  });
});
