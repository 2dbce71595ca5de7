// Every route module the engine serves, in registration order. A new resource is one file beside this one
// and one entry here.

import type { RouteModule } from '../services.js';
import { archiveRoutes } from './archive.js';
import { buildRoutes } from './build.js';
import { containerRoutes } from './containers.js';
import { execRoutes } from './exec.js';
import { imageRoutes } from './images.js';
import { networkRoutes } from './networks.js';
import { registryRoutes } from './registry.js';
import { syncRoutes } from './sync.js';
import { systemRoutes } from './system.js';
import { volumeRoutes } from './volumes.js';

export const routeModules: readonly RouteModule[] = [
  systemRoutes,
  imageRoutes,
  registryRoutes,
  containerRoutes,
  execRoutes,
  archiveRoutes,
  syncRoutes,
  volumeRoutes,
  networkRoutes,
  buildRoutes,
];
