// Routes of the engine API: method + path pattern → handler. Patterns use `{name}` for one path segment and
// `{name*}` for the rest of the path (image names contain slashes: /images/docker.io/library/alpine/json).
// Invariant: routes are matched in registration order, so a more specific pattern must be added first.

import type { RequestContext } from './context.js';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';
export type RouteHandler = (ctx: RequestContext) => Promise<void> | void;

interface Route {
  method: HttpMethod;
  pattern: string;
  regex: RegExp;
  names: string[];
  handler: RouteHandler;
}

export type RouteMatch =
  | { kind: 'found'; handler: RouteHandler; params: Record<string, string>; pattern: string }
  | { kind: 'method-not-allowed'; allowed: HttpMethod[] }
  | { kind: 'not-found' };

export class Router {
  private readonly routes: Route[] = [];

  add(method: HttpMethod, pattern: string, handler: RouteHandler): this {
    const names: string[] = [];
    const source = pattern
      .split('/')
      .map((segment) => {
        const param = /^\{([A-Za-z]\w*)(\*)?\}$/.exec(segment);
        if (!param) return segment.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
        names.push(param[1] ?? '');
        return param[2] ? '(.+?)' : '([^/]+)';
      })
      .join('/');
    this.routes.push({ method, pattern, regex: new RegExp(`^${source}/?$`), names, handler });
    return this;
  }

  get(pattern: string, handler: RouteHandler): this {
    return this.add('GET', pattern, handler);
  }
  head(pattern: string, handler: RouteHandler): this {
    return this.add('HEAD', pattern, handler);
  }
  post(pattern: string, handler: RouteHandler): this {
    return this.add('POST', pattern, handler);
  }
  put(pattern: string, handler: RouteHandler): this {
    return this.add('PUT', pattern, handler);
  }
  delete(pattern: string, handler: RouteHandler): this {
    return this.add('DELETE', pattern, handler);
  }

  /** Finds the handler for a (version-less) path. HEAD falls back to GET, whose body Node then leaves out. */
  match(method: string, path: string): RouteMatch {
    const allowed: HttpMethod[] = [];
    let getFallback: RouteMatch | undefined;
    for (const route of this.routes) {
      const found = route.regex.exec(path);
      if (!found) continue;
      if (route.method === method) return this.found(route, found);
      if (method === 'HEAD' && route.method === 'GET' && getFallback === undefined)
        getFallback = this.found(route, found);
      allowed.push(route.method);
    }
    if (getFallback) return getFallback;
    return allowed.length > 0 ? { kind: 'method-not-allowed', allowed } : { kind: 'not-found' };
  }

  private found(route: Route, found: RegExpExecArray): RouteMatch {
    const params: Record<string, string> = {};
    route.names.forEach((name, i) => {
      params[name] = decodeURIComponent(found[i + 1] ?? '');
    });
    return { kind: 'found', handler: route.handler, params, pattern: route.pattern };
  }
}
