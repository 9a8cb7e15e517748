import { describe, expect, it } from 'vitest';
import { MeshSettingsSchema } from './mesh-settings.ts';

const source = { cloudMapNamespace: 'colorapp.local', service: 'colorteller_red', namespace: 'colorapp', labels: { 'appmesh.trellis.dev/virtual-node': 'colorteller-red' }, portNames: ['http-9080'] };
const problems = (settings: unknown) => {
  const parsed = MeshSettingsSchema.safeParse(settings);
  return parsed.success ? [] : parsed.error.issues.map((i) => [i.path.join('.'), i.message]);
};

describe('mesh settings registrySources.cloudMap', () => {
  it('takes Cloud Map sources with a region, a tenant role and a period', () => {
    expect(problems({ registrySources: { cloudMap: { region: 'eu-west-1', roleArn: 'arn:aws:iam::123456789012:role/trellis-cloud-map', periodSeconds: 10, sources: [source] } } })).toEqual([]);
  });

  it('names the field of every bad value', () => {
    const found = problems({
      registrySources: {
        cloudMap: {
          region: 'Europe',
          roleArn: 'arn:aws:s3:::bucket',
          periodSeconds: 1,
          sources: [{ ...source, cloudMapNamespace: 'bad namespace!', namespace: 'Color_App', labels: { 'bad key!': 'x', ok: 'bad value!' }, portNames: ['HTTP'] }],
        },
      },
    }).map(([p]) => p);
    expect(found).toEqual(
      expect.arrayContaining([
        'registrySources.cloudMap.region',
        'registrySources.cloudMap.roleArn',
        'registrySources.cloudMap.periodSeconds',
        'registrySources.cloudMap.sources.0.cloudMapNamespace',
        'registrySources.cloudMap.sources.0.namespace',
        'registrySources.cloudMap.sources.0.labels.bad key!',
        'registrySources.cloudMap.sources.0.labels.ok',
        'registrySources.cloudMap.sources.0.portNames.0',
      ]),
    );
  });

  it('refuses a Cloud Map service named twice', () => {
    expect(problems({ registrySources: { cloudMap: { sources: [source, { ...source, namespace: 'other' }] } } })).toEqual([['registrySources.cloudMap.sources.1', 'Cloud Map service colorapp.local/colorteller_red is named twice']]);
  });

  it('refuses unknown fields, no sources, and more than 100', () => {
    expect(problems({ registrySources: { cloudMap: { sources: [source], endpoint: 'http://x' } } })[0]![0]).toBe('registrySources.cloudMap');
    expect(problems({ registrySources: { consul: {} } })[0]![0]).toBe('registrySources');
    expect(problems({ registrySources: { cloudMap: { sources: [] } } })[0]![0]).toBe('registrySources.cloudMap.sources');
    const many = Array.from({ length: 101 }, (_, i) => ({ ...source, service: `s${i}` }));
    expect(problems({ registrySources: { cloudMap: { sources: many } } })[0]![0]).toBe('registrySources.cloudMap.sources');
    expect(problems({ registrySources: { cloudMap: { sources: [{ ...source, service: 'x'.repeat(128) }] } } })[0]![0]).toBe('registrySources.cloudMap.sources.0.service');
  });
});
