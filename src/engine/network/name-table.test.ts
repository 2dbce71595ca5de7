import { describe, expect, it } from 'vitest';
import { NameTable } from './name-table.js';

describe('NameTable', () => {
  it('answers names case-insensitively and forgets an endpoint when it leaves', () => {
    const table = new NameTable();
    table.register('e1', ['app-web-1', 'web', 'Frontend'], '10.0.0.2');
    expect(table.lookup('WEB.')).toEqual(['10.0.0.2']);
    expect(table.lookup('frontend')).toEqual(['10.0.0.2']);
    expect(table.reverse('10.0.0.2')).toBe('app-web-1');
    table.unregister('e1');
    expect(table.lookup('web')).toEqual([]);
    expect(table.reverse('10.0.0.2')).toBeUndefined();
    expect(table.has('web')).toBe(false);
  });

  it('rotates the addresses of replicas on each lookup', () => {
    const table = new NameTable();
    table.register('e1', ['app-web-1', 'web'], '10.0.0.2');
    table.register('e2', ['app-web-2', 'web'], '10.0.0.3');
    table.register('e3', ['app-web-3', 'web'], '10.0.0.4');
    expect(table.lookup('web')).toEqual(['10.0.0.2', '10.0.0.3', '10.0.0.4']);
    expect(table.lookup('web')).toEqual(['10.0.0.3', '10.0.0.4', '10.0.0.2']);
    expect(table.lookup('web')).toEqual(['10.0.0.4', '10.0.0.2', '10.0.0.3']);
    expect(table.lookup('web')).toEqual(['10.0.0.2', '10.0.0.3', '10.0.0.4']);
    expect(table.lookup('app-web-2')).toEqual(['10.0.0.3']);
  });
});
