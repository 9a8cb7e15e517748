// protobuf Struct values in the object form the test ADS clients send node metadata in.

export const str = (v: string) => ({ stringValue: v });
export const num = (v: number) => ({ numberValue: v });
export const labels = (l: Record<string, string>) => ({ structValue: { fields: Object.fromEntries(Object.entries(l).map(([k, v]) => [k, str(v)])) } });
