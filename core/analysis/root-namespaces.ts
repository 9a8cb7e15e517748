/** Namespaces whose selector-less security policies apply mesh-wide, as translation honours them. */
export const ROOT_NAMESPACES: readonly string[] = ['trellis-system', 'istio-system'];

export const isRootNamespace = (namespace: string): boolean => ROOT_NAMESPACES.includes(namespace);
