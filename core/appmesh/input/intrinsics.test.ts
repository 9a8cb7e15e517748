import { describe, expect, it } from 'vitest';
import { importAppMesh, type ImportOptions } from '../import-appmesh.ts';

/** A template with one mesh whose name is `name` (any intrinsic), plus extra top-level sections. */
const meshNamed = (name: unknown, extra: Record<string, unknown> = {}) => JSON.stringify({ ...extra, Resources: { M: { Type: 'AWS::AppMesh::Mesh', Properties: { MeshName: name } } } });

function meshName(text: string, options: ImportOptions = {}): string {
  const result = importAppMesh([{ name: 't.json', text }], options);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return Object.keys(result.value.meshSettings)[0]!;
}

describe('template intrinsic functions', () => {
  it.each<[string, unknown, string, ImportOptions?]>([
    ['Fn::Split and Fn::Select', { 'Fn::Select': [1, { 'Fn::Split': ['/', 'a/b/c'] }] }, 'b'],
    ['Fn::Sub with variables and a literal ${!...}', { 'Fn::Sub': ['${A}-${!Literal}', { A: 'x' }] }, 'x-${Literal}'],
    ['Fn::Base64', { 'Fn::Base64': 'hi' }, 'aGk='],
    ['Fn::Join with AWS::NoValue dropped from the list', { 'Fn::Join': ['-', ['a', { Ref: 'AWS::NoValue' }, 'b']] }, 'a-b'],
    ['AWS::Partition following --parameter AWS::Region', { 'Fn::Sub': '${AWS::Partition}-${AWS::URLSuffix}' }, 'aws-cn-amazonaws.com.cn', { parameters: { 'AWS::Region': 'cn-north-1' } }],
    ['Fn::GetAtt of an attribute known only once deployed (a placeholder)', { 'Fn::GetAtt': ['M', 'Arn'] }, '{M.Arn}'],
  ])('%s', (_what, expr, expected, options = {}) => {
    expect(meshName(meshNamed(expr), options)).toBe(expected);
  });

  it('reads YAML short forms, including !GetAtt of a dotted attribute', () => {
    const yaml = [
      'Resources:',
      '  Db:',
      '    Type: AWS::RDS::DBInstance',
      '    Properties: { Engine: postgres }',
      '  M:',
      '    Type: AWS::AppMesh::Mesh',
      '    Properties:',
      '      MeshName: !Join ["-", [!Select [0, !Split [".", !GetAtt Db.Endpoint.Address]], m]]',
    ].join('\n');
    expect(meshName(yaml)).toBe('{Db-m');
  });

  it('stops a chain of conditions that would exhaust the stack, and a cycle of exports', () => {
    const conditions = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`C${i}`, i === 4999 ? { 'Fn::Equals': ['a', 'a'] } : { 'Fn::Not': [{ Condition: `C${i + 1}` }] }]));
    const chained = importAppMesh([{ name: 't.json', text: meshNamed({ 'Fn::If': ['C0', 'a', 'b'] }, { Conditions: conditions }) }]);
    expect(chained.ok || chained.errors.map((e) => e.message)).toContain('conditions and attributes refer to each other more than 100 deep');
    const a = JSON.stringify({ Resources: { M: { Type: 'AWS::AppMesh::Mesh', Properties: { MeshName: { 'Fn::ImportValue': 'B' } } } }, Outputs: { O: { Value: { 'Fn::ImportValue': 'B' }, Export: { Name: 'A' } } } });
    const b = JSON.stringify({ Resources: {}, Outputs: { O: { Value: { 'Fn::ImportValue': 'A' }, Export: { Name: 'B' } } } });
    const cycle = importAppMesh([{ name: 'a.json', text: a }, { name: 'b.json', text: b }]);
    expect(cycle.ok || cycle.errors.map((e) => e.message)).toContain('export "B" depends on itself');
  });

  it('refuses an export two templates define', () => {
    const exporter = JSON.stringify({ Resources: {}, Outputs: { O: { Value: 'x', Export: { Name: 'Shared' } } } });
    const result = importAppMesh([{ name: 'app.json', text: meshNamed({ 'Fn::ImportValue': 'Shared' }) }, { name: 'one.json', text: exporter }, { name: 'two.json', text: exporter }]);
    expect(result.ok || result.errors[0]).toEqual({ path: 'app.json:Resources.M.Properties.MeshName', message: 'export "Shared" is defined by one.json:Outputs.O and two.json:Outputs.O' });
  });
});
