// The engine server: started in its own process by `berth engine run` (nothing else imports it).

export { startEngine, type EngineHandle, type StartEngineOptions } from './start.js';
export type { EngineServices, RouteModule, InventoryCounts } from './services.js';
export { createLogger, type Logger } from './logger.js';
