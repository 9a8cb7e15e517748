/*
 * @peculiar/x509 v2 resolves its algorithms through tsyringe, which refuses to load without a
 * Reflect metadata API (the library's README requires `reflect-metadata` or similar). That
 * package is not a dependency here, so this installs the three functions tsyringe calls, only
 * when no real polyfill is present. Remove it once `reflect-metadata` is added to package.json.
 */
type Metadata = Map<unknown, unknown>;
const store = new WeakMap<object, Metadata>();
const reflect = Reflect as unknown as Record<string, unknown>;

if (typeof reflect.getMetadata !== 'function') {
  reflect.getOwnMetadata = (key: unknown, target: object) => store.get(target)?.get(key);
  reflect.getMetadata = (key: unknown, target: object) => {
    for (let o: object | null = target; o !== null; o = Object.getPrototypeOf(o) as object | null) {
      const own = store.get(o);
      if (own?.has(key)) return own.get(key);
    }
    return undefined;
  };
  reflect.defineMetadata = (key: unknown, value: unknown, target: object) => {
    const own = store.get(target) ?? new Map<unknown, unknown>();
    own.set(key, value);
    store.set(target, own);
  };
}
