import { NotFoundError } from '../../../errors.ts';
import type { MeshItem } from './records.ts';

/** The revision to read: the head when none is given; NotFoundError above the head or below 0. */
export function revisionOrHead(mesh: MeshItem, revision: number | undefined): number {
  if (revision === undefined) return mesh.revision;
  if (!Number.isInteger(revision) || revision < 0 || revision > mesh.revision) throw new NotFoundError(`revision ${revision} of mesh ${mesh.name} not found`);
  return revision;
}
