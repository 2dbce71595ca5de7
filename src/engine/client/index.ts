// How everything outside the engine reaches it: the typed API client and auto-start.

export {
  EngineClient,
  jsonLines,
  type EngineRequest,
  type QueryValue,
  type EngineResponse,
  type EventsOptions,
  type PingResult,
} from './engine-client.js';
export {
  connectOrStart,
  defaultLaunch,
  logTail,
  type ConnectOptions,
  type ConnectResult,
  type EngineLaunch,
} from './auto-start.js';
