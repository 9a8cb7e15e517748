import { App } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, readConfig } from './config.ts';

describe('readConfig', () => {
  it('uses the first-deploy defaults when no trellis:* context is given', () => {
    // GIVEN an app without context WHEN read THEN
    expect(readConfig(new App())).toEqual({ ...DEFAULT_CONFIG, alarmEmail: undefined });
    expect(DEFAULT_CONFIG).toMatchObject({ fleetMinTasks: 2, natGateways: 1, logRetentionDays: RetentionDays.ONE_MONTH });
  });

  it('takes context values, including strings from `cdk -c key=value`', () => {
    const app = new App({
      context: { 'trellis:fleetMinTasks': '3', 'trellis:fleetMaxTasks': 10, 'trellis:apiThrottleRate': 200, 'trellis:logRetentionDays': 90, 'trellis:alarmEmail': 'ops@example.com', 'trellis:natGateways': 2 },
    });
    expect(readConfig(app)).toMatchObject({ fleetMinTasks: 3, fleetMaxTasks: 10, apiThrottleRate: 200, logRetentionDays: RetentionDays.THREE_MONTHS, alarmEmail: 'ops@example.com', natGateways: 2 });
  });

  it('serves xDS with mTLS unless trellis:xdsMtls is false', () => {
    expect(readConfig(new App()).xdsMtls).toBe(true);
    expect(readConfig(new App({ context: { 'trellis:xdsMtls': 'false' } })).xdsMtls).toBe(false);
  });

  it('exposes xDS on the internet unless trellis:xdsExposure is privatelink, which takes the principals allowed to connect', () => {
    expect(readConfig(new App())).toMatchObject({ xdsExposure: 'internet', privateLinkPrincipals: [], deploymentName: 'Trellis' });
    const app = new App({ context: { 'trellis:xdsExposure': 'privatelink', 'trellis:privateLinkPrincipals': 'arn:aws:iam::111122223333:root, arn:aws:iam::444455556666:role/mesh-admin' } });
    expect(readConfig(app)).toMatchObject({ xdsExposure: 'privatelink', privateLinkPrincipals: ['arn:aws:iam::111122223333:root', 'arn:aws:iam::444455556666:role/mesh-admin'] });
  });

  it('names the stacks after trellis:deploymentName', () => {
    expect(readConfig(new App({ context: { 'trellis:deploymentName': 'Trellis-staging' } })).deploymentName).toBe('Trellis-staging');
  });

  it('raises the default maximum to the minimum when only the minimum is raised', () => {
    expect(readConfig(new App({ context: { 'trellis:fleetMinTasks': 8 } }))).toMatchObject({ fleetMinTasks: 8, fleetMaxTasks: 8 });
  });

  it.each([
    [{ 'trellis:fleetMinTasks': 0 }, /fleetMinTasks must be an integer >= 1/],
    [{ 'trellis:fleetMinTasks': 4, 'trellis:fleetMaxTasks': 3 }, /below trellis:fleetMinTasks/],
    [{ 'trellis:apiThrottleRate': 'fast' }, /apiThrottleRate must be an integer/],
    [{ 'trellis:logRetentionDays': 31 }, /must be a CloudWatch Logs retention/],
    [{ 'trellis:natGateways': 3 }, /must be 1 or 2/],
    [{ 'trellis:alarmEmail': 42 }, /alarmEmail must be a string/],
    [{ 'trellis:xdsMtls': 'yes' }, /xdsMtls must be true or false/],
    [{ 'trellis:xdsExposure': 'public' }, /xdsExposure must be internet or privatelink/],
    [{ 'trellis:xdsExposure': 'privatelink', 'trellis:privateLinkPrincipals': '*' }, /privateLinkPrincipals must be IAM principal ARNs/],
    [{ 'trellis:xdsExposure': 'privatelink', 'trellis:privateLinkPrincipals': 'arn:aws:iam::1234:root' }, /privateLinkPrincipals must be IAM principal ARNs/],
    [{ 'trellis:privateLinkPrincipals': 'arn:aws:iam::111122223333:root' }, /applies only with trellis:xdsExposure=privatelink/],
    [{ 'trellis:deploymentName': 'trellis_prod' }, /deploymentName must start with a letter/],
    [{ 'trellis:deploymentName': '1trellis' }, /deploymentName must start with a letter/],
    [{ 'trellis:deploymentName': 'T'.repeat(101) }, /at most 100/],
  ])('refuses %j at synth time rather than at deploy time', (context, message) => {
    expect(() => readConfig(new App({ context }))).toThrow(message);
  });
});
