import type { FastifyInstance, FastifyRequest } from 'fastify';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** A literal segment that, at this position, makes a path another route's. */
interface Shadow {
  literals: { index: number; value: string }[];
  allow: string[];
}

/**
 * Which methods a path has, for the 405 answer to a method it does not have. Two cases:
 * - nothing matches the method (Fastify's 404): the methods some route answers at the path;
 * - a parametric route caught a path that is really a more specific route's: `PUT
 *   /tasks/recurring` lands on `PUT /tasks/:id` and would fail as a bad id (400), though the
 *   document says `/tasks/recurring` has GET only. Those pairs are found once, when the routes
 *   are known, so a request pays one map lookup, not a router search per method.
 */
export function methodIndex(app: FastifyInstance) {
  const routes: { method: string; url: string }[] = [];
  const shadows = new Map<string, Shadow[]>();
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url });
  });
  app.addHook('onReady', (done) => {
    const methodsOf = new Map<string, Set<string>>();
    for (const { method, url } of routes) {
      methodsOf.set(url, (methodsOf.get(url) ?? new Set()).add(method));
    }
    for (const [url, methods] of methodsOf) {
      const segments = url.split('/');
      for (const [other, otherMethods] of methodsOf) {
        const literals = moreSpecific(segments, other.split('/'));
        if (!literals) continue;
        for (const method of methods) {
          if (otherMethods.has(method)) continue;
          const key = `${method} ${url}`;
          shadows.set(key, [
            ...(shadows.get(key) ?? []),
            { literals, allow: ordered(otherMethods) },
          ]);
        }
      }
    }
    done();
  });

  /** The methods of the most specific routes at the path (`/tasks/recurring`, not `/tasks/:id`). */
  const methodsAt = (path: string) => {
    const matches = METHODS.flatMap((method) => {
      const route = app.findRoute({ method, url: path });
      // CORS's catch-all `OPTIONS *` (preflights) matches every path: it makes none known.
      if (!route || (method === 'OPTIONS' && '*' in route.params)) return [];
      return [{ method, params: Object.keys(route.params).length }];
    });
    const fewest = Math.min(...matches.map(({ params }) => params));
    const allowed: string[] = matches
      .filter(({ params }) => params === fewest)
      .map(({ method }) => method);
    return allowed.length > 0 ? allowed : undefined;
  };

  /** For a request no route of its method took: the path's methods, if it is a known path. */
  const allowedAt = (request: FastifyRequest) => {
    const allowed = methodsAt(request.url.split('?')[0]!);
    return allowed && !allowed.includes(request.method) ? allowed : undefined;
  };

  return {
    allowedAt,
    /** The methods to list in `Allow`, or undefined when the request is not a 405. */
    allowedFor(request: FastifyRequest): string[] | undefined {
      if (request.is404) return allowedAt(request);
      // The common case, a route no literal path shadows, costs one map lookup.
      const candidates = shadows.get(`${request.method} ${request.routeOptions.url}`);
      if (!candidates) return undefined;
      const segments = request.url.split('?')[0]!.split('/');
      return candidates.find(({ literals }) =>
        literals.every(({ index, value }) => segments[index] === value),
      )?.allow;
    },
  };
}

/** Where `other` has a literal in place of one of `route`'s parameters (and agrees elsewhere). */
function moreSpecific(route: string[], other: string[]): Shadow['literals'] | undefined {
  if (route.length !== other.length) return undefined;
  const literals: Shadow['literals'] = [];
  for (const [index, segment] of route.entries()) {
    const theirs = other[index]!;
    if (segment === theirs) continue;
    if (!segment.startsWith(':') || theirs.startsWith(':') || theirs.includes('*'))
      return undefined;
    literals.push({ index, value: theirs });
  }
  return literals.length > 0 ? literals : undefined;
}

const ordered = (methods: Set<string>) => METHODS.filter((method) => methods.has(method));
