import type { RequestAuthenticationSpec } from '../schemas/request-authentication.ts';
import { Findings } from './collector.ts';
import { checkUnique } from './common.ts';
import { checkSingleSelection } from './selection.ts';

export function validateRequestAuthentication(spec: RequestAuthenticationSpec): Findings {
  const f = new Findings();
  checkSingleSelection(f, spec);
  spec.jwtRules?.forEach((rule, i) => {
    const path = ['jwtRules', i];
    if (!rule.issuer) f.add([...path, 'issuer'], 'issuer is required');
    const keySources = [rule.jwks, rule.jwksUri, rule.jwks_uri].filter((v) => v !== undefined).length;
    if (keySources > 1) f.add([...path, 'jwks'], 'set only one of jwks and jwksUri');
    if (rule.jwks !== undefined && !isJson(rule.jwks)) f.add([...path, 'jwks'], 'jwks must be a JSON Web Key Set document');
  });
  checkUnique(f, spec.jwtRules, (r) => r.issuer, (i) => ['jwtRules', i, 'issuer'], 'issuer');
  return f;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
