import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/tools.ts';

const eslint = new ESLint({ cwd: ROOT });

async function restrictedImports(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: path.join(ROOT, file) });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('dependency direction (docs/architecture.md layout)', () => {
  it.each([
    ['core/store/x.ts', "import { createApi } from '../../functions/app.ts';\nexport const x = createApi;\n"],
    ['core/resources/x.ts', "import { serve } from '../../xds-server/server/index.ts';\nexport const x = serve;\n"],
    ['xds-server/translate/x.ts', "import { ResourceCache } from '../cache/index.ts';\nexport const x = ResourceCache;\n"],
    ['xds-server/translate/y.ts', "import { openEmbeddedStore } from '../../core/adapters/embedded/store/index.ts';\nexport const y = openEmbeddedStore;\n"],
    ['xds-server/server/x.ts', "import { translateSidecar } from '../translate/index.ts';\nexport const x = translateSidecar;\n"],
    ['functions/x.ts', "import { ResourceCache } from '../xds-server/cache/index.ts';\nexport const x = ResourceCache;\n"],
    ['cli/x.ts', "import { createApi } from '../functions/app.ts';\nexport const x = createApi;\n"],
  ])('%s may not import across the boundary', async (file, source) => {
    expect(await restrictedImports(file, source)).toHaveLength(1);
  });

  it.each([
    ['functions/x.ts', "import { KINDS } from '../core/resources/kinds.ts';\nexport const x = KINDS;\n"],
    ['xds-server/translate/x.ts', "import { KINDS } from '../../core/resources/kinds.ts';\nexport const x = KINDS;\n"],
    ['local/x.ts', "import { createApi } from '../functions/app.ts';\nexport const x = createApi;\n"],
  ])('%s may import core', async (file, source) => {
    expect(await restrictedImports(file, source)).toEqual([]);
  });
});
