import { assertToolsInstalled } from './tools.ts';

export default function setup(): void {
  assertToolsInstalled();
}
