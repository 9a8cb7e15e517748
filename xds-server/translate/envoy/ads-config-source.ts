/** A ConfigSource that fetches over the proxy's ADS stream, v3 (what RDS and EDS use everywhere). */
export function adsConfigSource(): Record<string, unknown> {
  return { ads: {}, resource_api_version: 'V3' };
}
