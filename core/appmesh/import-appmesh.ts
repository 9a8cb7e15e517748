import { convertInventory, type ConversionResult } from './convert/convert.ts';
import type { ConvertOptions } from './convert/context.ts';
import { readAppMeshInput, type InputDocument, type ReadFailure, type ReadOptions } from './input/read-input.ts';

export type ImportOptions = ConvertOptions & ReadOptions;

/** Reads App Mesh resources (describe-* JSON or CloudFormation templates) and converts them to Trellis resources. */
export function importAppMesh(documents: readonly InputDocument[], options: ImportOptions = {}): { ok: true; value: ConversionResult } | ReadFailure {
  const read = readAppMeshInput(documents, options);
  if (!read.ok) return read;
  return { ok: true, value: convertInventory(read.value, options) };
}
