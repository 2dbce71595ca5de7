// berth's version as the engine reports it: the one the CLI has.
export { VERSION as ENGINE_VERSION } from '../../shared/version.js';
