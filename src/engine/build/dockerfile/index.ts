// The Dockerfile front end of the builder: parse text into stages, expand words at build time, and apply
// the metadata-only instructions to an image's container defaults. The executor imports only this file.

export type * from './types.js';
export { parseDockerfile, parseInstruction } from './parse.js';
export { expandHeredoc, expandWord, expandWords } from './expand.js';
export {
  applyMetadata,
  commandArgs,
  isMetadataInstruction,
  maintainerAuthor,
  parseDuration,
  portSpec,
  type MetadataContext,
} from './metadata.js';
