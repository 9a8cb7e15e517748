import { z } from 'zod';

/** Namespaces a resource is visible to: `*`, `.`, `~` or namespace names. */
export const ExportTo = z.array(z.string()).meta({ description: 'Namespaces this config is visible to: "*", ".", "~" or names.' });
