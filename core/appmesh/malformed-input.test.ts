import { describe, expect, it } from 'vitest';
import { importAppMesh } from './import-appmesh.ts';

const node = (spec: unknown) => JSON.stringify({ virtualNode: { meshName: 'm', virtualNodeName: 'n', spec } });
const route = (spec: unknown) => JSON.stringify({ route: { meshName: 'm', virtualRouterName: 'r', routeName: 'x', spec } });
const target = { weightedTargets: [{ virtualNode: 'n', weight: 1 }] };
const template = (properties: unknown, type = 'AWS::AppMesh::VirtualNode') => JSON.stringify({ Resources: { Node: { Type: type, Properties: properties } } });

// [what, input text, expected path (file:path), expected message fragment]
const CASES: [string, string, string, RegExp][] = [
  ['not JSON or YAML', '{ "mesh": ', 'in.json:$', /not valid JSON or YAML/],
  ['a scalar', '42', 'in.json:$', /expected an App Mesh describe-\* or list-\* output object/],
  ['an unknown wrapper key', '{ "virtualWidget": {} }', 'in.json:$', /not App Mesh output/],
  ['a missing mesh name', JSON.stringify({ virtualNode: { virtualNodeName: 'n', spec: {} } }), 'in.json:virtualNode.meshName', /required/],
  ['a port out of range', node({ listeners: [{ portMapping: { port: 70000, protocol: 'http' } }] }), 'in.json:virtualNode.spec.listeners[0].portMapping.port', /70000|65535|less than/i],
  ['an unknown protocol', node({ listeners: [{ portMapping: { port: 80, protocol: 'udp' } }] }), 'in.json:virtualNode.spec.listeners[0].portMapping.protocol', /must be one of/],
  ['an unknown field', node({ listners: [] }), 'in.json:virtualNode.spec.listners', /unknown field/],
  ['both dns and cloud map', node({ serviceDiscovery: { dns: { hostname: 'a' }, awsCloudMap: { namespaceName: 'x', serviceName: 'y' } } }), 'in.json:virtualNode.spec.serviceDiscovery', /exactly one of dns or awsCloudMap/],
  ['a duration unit', node({ listeners: [{ portMapping: { port: 80, protocol: 'http' }, timeout: { http: { idle: { unit: 'm', value: 1 } } } }] }), 'in.json:virtualNode.spec.listeners[0].timeout.http.idle.unit', /must be one of/],
  ['a TLS mode', node({ listeners: [{ portMapping: { port: 80, protocol: 'http' }, tls: { mode: 'ON', certificate: { sds: { secretName: 'x' } } } }] }), 'in.json:virtualNode.spec.listeners[0].tls.mode', /must be one of/],
  ['two certificate sources', node({ listeners: [{ portMapping: { port: 80, protocol: 'http' }, tls: { mode: 'STRICT', certificate: { sds: { secretName: 'x' }, acm: { certificateArn: 'a' } } } }] }), 'in.json:virtualNode.spec.listeners[0].tls.certificate', /exactly one of acm, file or sds/],
  ['an outlier detection without interval', node({ listeners: [{ portMapping: { port: 80, protocol: 'http' }, outlierDetection: { maxServerErrors: 1, baseEjectionDuration: { unit: 's', value: 1 }, maxEjectionPercent: 10 } }] }), 'in.json:virtualNode.spec.listeners[0].outlierDetection.interval', /required/],
  ['a route of two kinds', route({ httpRoute: { match: { prefix: '/' }, action: target }, tcpRoute: { action: target } }), 'in.json:route.spec', /exactly one of httpRoute/],
  ['a weight above 100', route({ httpRoute: { match: { prefix: '/' }, action: { weightedTargets: [{ virtualNode: 'n', weight: 101 }] } } }), 'in.json:route.spec.httpRoute.action.weightedTargets[0].weight', /100/],
  ['no weighted targets', route({ httpRoute: { match: { prefix: '/' }, action: { weightedTargets: [] } } }), 'in.json:route.spec.httpRoute.action.weightedTargets', /1/],
  ['an unknown retry event', route({ httpRoute: { match: { prefix: '/' }, action: target, retryPolicy: { maxRetries: 1, perRetryTimeout: { unit: 's', value: 1 }, httpRetryEvents: ['teapot'] } } }), 'in.json:route.spec.httpRoute.retryPolicy.httpRetryEvents[0]', /must be one of/],
  ['a header with two matches', route({ httpRoute: { match: { prefix: '/', headers: [{ name: 'h', match: { exact: 'a', prefix: 'b' } }] }, action: target } }), 'in.json:route.spec.httpRoute.match.headers[0].match', /exactly one of exact, prefix, suffix, regex or range/],
  ['a priority above 1000', route({ priority: 5000, httpRoute: { match: { prefix: '/' }, action: target } }), 'in.json:route.spec.priority', /1000/],
  ['too many weighted targets', route({ httpRoute: { match: { prefix: '/' }, action: { weightedTargets: Array.from({ length: 11 }, (_, i) => ({ virtualNode: `n${i}`, weight: 1 })) } } }), 'in.json:route.spec.httpRoute.action.weightedTargets', /10/],
  ['a list item without a name', JSON.stringify({ virtualNodes: [{ meshName: 'm' }] }), 'in.json:virtualNodes[0]', /needs meshName and virtualNodeName/],
  ['a nested array', '[[[{}]]]', 'in.json:[0][0]', /nested array/],
  ['an unknown template property', template({ MeshName: 'm', Spec: { Listeners: [{ PortMapping: { Port: 80, Protocol: 'http' }, TLSv2: {} }] } }), 'in.json:Resources.Node.Properties.Spec.Listeners[0].TLSv2', /unknown field/],
  ['a template value of the wrong type', template({ MeshName: 'm', Spec: { Listeners: [{ PortMapping: { Port: 'eighty', Protocol: 'http' } }] } }), 'in.json:Resources.Node.Properties.Spec.Listeners[0].PortMapping.Port', /expected number/],
  ['a Ref to an unknown parameter', template({ MeshName: { Ref: 'Nope' }, Spec: {} }), 'in.json:Resources.Node.Properties.MeshName', /Ref to "Nope"/],
  ['an import nothing exports', template({ MeshName: { 'Fn::ImportValue': 'x' }, Spec: {} }), 'in.json:Resources.Node.Properties.MeshName', /Fn::ImportValue "x".*pass --import x=<value>/],
  ['a function the importer does not evaluate', template({ MeshName: { 'Fn::Cidr': ['10.0.0.0/16', 2, 8] }, Spec: {} }), 'in.json:Resources.Node.Properties.MeshName.Fn::Cidr', /Fn::Cidr is not evaluated/],
  ['an unknown condition', template({ MeshName: { 'Fn::If': ['Nope', 'a', 'b'] }, Spec: {} }), 'in.json:Resources.Node.Properties.MeshName.Fn::If[0]', /no condition "Nope"/],
  ['a condition that depends on itself', JSON.stringify({ Conditions: { A: { 'Fn::Not': [{ Condition: 'A' }] } }, Resources: { Node: { Type: 'AWS::AppMesh::Mesh', Condition: 'A', Properties: {} } } }), 'in.json:Conditions.A', /depends on itself/],
  ['an index outside the list', template({ MeshName: { 'Fn::Select': [3, ['a', 'b']] }, Spec: {} }), 'in.json:Resources.Node.Properties.MeshName.Fn::Select', /index 3 is outside the list of 2/],
  ['a parameter of no CloudFormation type', JSON.stringify({ Parameters: { P: { Type: 'Text' } }, Resources: { Node: { Type: 'AWS::AppMesh::Mesh', Properties: { MeshName: { Ref: 'P' } } } } }), 'in.json:Resources.Node.Properties.MeshName', /"Text" is not a CloudFormation parameter type/],
  ['a Number parameter that is not a number', JSON.stringify({ Parameters: { P: { Type: 'Number', Default: 'eighty' } }, Resources: { Node: { Type: 'AWS::AppMesh::Mesh', Properties: { MeshName: { 'Fn::Sub': 'm-${P}' } } } } }), 'in.json:Resources.Node.Properties.MeshName', /parameter P \(Number\) from its Default: "eighty" is not a number/],
  ['a value outside AllowedValues', JSON.stringify({ Parameters: { P: { Type: 'String', Default: 'qa', AllowedValues: ['dev', 'prod'] } }, Resources: { Node: { Type: 'AWS::AppMesh::Mesh', Properties: { MeshName: { Ref: 'P' } } } } }), 'in.json:Resources.Node.Properties.MeshName', /"qa" is not one of the AllowedValues dev, prod; pass --parameter P=<dev\|prod>/],
  ['a value outside AllowedPattern', JSON.stringify({ Parameters: { P: { Type: 'String', Default: 'Mesh!', AllowedPattern: '[a-z]+' } }, Resources: { Node: { Type: 'AWS::AppMesh::Mesh', Properties: { MeshName: { Ref: 'P' } } } } }), 'in.json:Resources.Node.Properties.MeshName', /does not match the AllowedPattern/],
  ['an unknown App Mesh type', template({}, 'AWS::AppMesh::VirtualThing'), 'in.json:Resources.Node.Type', /unknown App Mesh resource type/],
  ['a prototype key', '{ "mesh": { "__proto__": {} } }', 'in.json:mesh.__proto__', /not allowed/],
  ['a YAML alias bomb', 'a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c, *c]', 'in.json:$', /not valid JSON or YAML/],
];

describe('malformed App Mesh input', () => {
  it.each(CASES)('refuses %s with the path of the problem', (_what, text, path, message) => {
    const result = importAppMesh([{ name: 'in.json', text }]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const error = result.errors.find((e) => e.path === path);
    expect(error, JSON.stringify(result.errors)).toBeDefined();
    expect(error!.message).toMatch(message);
  });

  it('bounds the size of a document and the nesting depth', () => {
    const big = importAppMesh([{ name: 'big.json', text: `{"mesh": "${'x'.repeat(2048)}"}` }], { limits: { maxBytesPerDocument: 1024 } });
    expect(big.ok || big.errors[0]).toMatchObject({ path: 'big.json', message: expect.stringMatching(/limit per document is 1024/) });
    const deep = importAppMesh([{ name: 'deep.json', text: `${'['.repeat(100)}${']'.repeat(100)}` }]);
    expect(deep.ok || deep.errors[0]!.message).toMatch(/nested deeper than 64/);
  });
});
