export * from './golden-signals.ts';
export * from './histogram-quantile.ts';
export * from './signal-report.ts';
export * from './signal-slots.ts';
