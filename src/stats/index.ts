/** The statistics every module reports with: one bootstrap, the interval methods (each named), p-values. */
export { bcaBootstrap, bootstrap, mulberry32, type BootstrapOptions, type MetricWithCI } from './bootstrap.ts';
export { boundedMeanInterval, newcombePaired, wilson, wilsonInterval, type CiMethod, type IntervalEstimate } from './intervals.ts';
export { normalCdf, normalQuantile } from './normal.ts';
export { holm, signFlipP } from './pvalues.ts';
