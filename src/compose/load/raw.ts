// The loader's data before normalisation: plain YAML values, plus the two merge tags of the Compose
// Specification (`!reset`, `!override`) kept as wrappers until merge has used them.

export type RawScalar = null | boolean | number | string;
export type Raw = RawScalar | Raw[] | RawMap | Tagged;
export interface RawMap {
  [key: string]: Raw;
}

/** A value carrying `!reset` (drop what earlier files set) or `!override` (replace instead of merge). */
export class Tagged {
  constructor(
    readonly tag: 'reset' | 'override',
    readonly value: Raw,
  ) {}
}

export function isRawMap(value: Raw | undefined): value is RawMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Tagged);
}

/** Removes the merge tags once merging is over: `!reset` becomes absent, `!override` its value. */
export function stripTags(value: Raw): Raw | undefined {
  if (value instanceof Tagged) return value.tag === 'reset' ? undefined : stripTags(value.value);
  if (Array.isArray(value)) {
    const out: Raw[] = [];
    for (const item of value) {
      const stripped = stripTags(item);
      if (stripped !== undefined) out.push(stripped);
    }
    return out;
  }
  if (isRawMap(value)) {
    const out: RawMap = {};
    for (const [key, item] of Object.entries(value)) {
      const stripped = stripTags(item);
      if (stripped !== undefined) out[key] = stripped;
    }
    return out;
  }
  return value;
}
