/**
 * Every route the router holds, as `METHOD /path/:param`, read from Fastify's `printRoutes()`: its
 * radix tree, one node a line (`├── <segment> (METHODS)`), four columns of indent per level, methods
 * only on the nodes that end a route. A route's path is its ancestors' segments joined.
 */
export function routerTable(printed: string): { method: string; url: string }[] {
  const routes: { method: string; url: string }[] = [];
  const path: string[] = [];
  for (const line of printed.split('\n')) {
    const node = /^((?:[│ ] {3})*)[├└]── (.+?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!node) continue;
    path.length = (node[1] ?? '').length / 4;
    path.push(node[2] ?? '');
    for (const method of node[3]?.split(', ') ?? []) routes.push({ method, url: path.join('') });
  }
  return routes;
}
