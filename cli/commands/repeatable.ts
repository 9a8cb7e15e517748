/** Commander option parser that collects a repeatable flag (`-f a -f b`) into a list. */
export const collect = (value: string, previous: string[] = []) => [...previous, value];
