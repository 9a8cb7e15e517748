import type { RouterRoute } from 'hono/types';
import { TrieRouter } from 'hono/router/trie-router';

/**
 * The methods some route answers on a path, with HEAD wherever GET is (hono serves HEAD from GET).
 * Routes registered for ALL are middleware here and say nothing about the methods a path offers.
 */
export function methodsByPath(routes: readonly RouterRoute[]): (path: string) => string[] {
  const router = new TrieRouter<true>();
  const methods = new Set<string>();
  for (const route of routes) {
    if (route.method === 'ALL') continue;
    router.add(route.method, route.path, true);
    methods.add(route.method);
  }
  return (path) => {
    const allowed = [...methods].filter((method) => router.match(method, path)[0].length > 0);
    if (allowed.includes('GET')) allowed.push('HEAD');
    return allowed.sort();
  };
}
