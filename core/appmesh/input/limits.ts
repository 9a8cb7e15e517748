/** Bounds on what one import reads; App Mesh's own quotas are far below them. */
export interface ImportLimits {
  /** UTF-8 bytes per input document (file). */
  maxBytesPerDocument: number;
  /** UTF-8 bytes over all documents. */
  maxTotalBytes: number;
  maxDocuments: number;
  /** App Mesh resources over all documents. */
  maxResources: number;
  maxDepth: number;
}

export const DEFAULT_IMPORT_LIMITS: Readonly<ImportLimits> = Object.freeze({
  maxBytesPerDocument: 8 * 1024 * 1024,
  maxTotalBytes: 32 * 1024 * 1024,
  maxDocuments: 1000,
  maxResources: 20_000,
  maxDepth: 64,
});
