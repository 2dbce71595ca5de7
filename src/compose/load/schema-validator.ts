// The compiled Compose schema validator. Tests and `tsx` runs compile it here on first use; the bundle
// replaces this module with code generated ahead of time by scripts/build.mjs (same options, same
// formats), which saves the ~200 ms a compile costs at every command.

import { Ajv, type Options, type ValidateFunction } from 'ajv';
// A JSON module import: type-checked by tsc (NodeNext), loaded by vitest and inlined by esbuild.
import schema from '../../../schemas/compose.schema.json' with { type: 'json' };
import { ajvFormats } from './schema-formats.js';

export const AJV_OPTIONS: Options = {
  allErrors: true,
  verbose: true,
  strict: true,
  // healthcheck.test is an open tuple: its first item is checked, the rest are any strings.
  strictTuples: false,
  allowUnionTypes: true,
  logger: false,
  code: { optimize: false },
};

/** Adds berth's formats and its `message` annotation keyword to an ajv instance. */
export function configureAjv(ajv: Ajv): Ajv {
  for (const [name, format] of Object.entries(ajvFormats)) ajv.addFormat(name, format);
  // Berth's own annotation: the message to show when a pattern or enum on this node fails.
  ajv.addKeyword({ keyword: 'message', schemaType: 'string' });
  return ajv;
}

let compiled: ValidateFunction | undefined;

export function schemaValidator(): ValidateFunction {
  compiled ??= configureAjv(new Ajv(AJV_OPTIONS)).compile(schema);
  return compiled;
}

export { schema };
