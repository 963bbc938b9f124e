import { describe, expect, it } from 'vitest';
import * as tenet from '../../src/index.ts';

describe('the library API', () => {
  it('offers what the CLI offers', () => {
    for (const name of [
      'createModel', 'generateObject', 'openStore', 'loadConfig', 'runDoctor', 'loadFramework', 'loadPrinciples',
      'createJudge', 'evaluateFile', 'measureJudge', 'trainLocalJudge', 'runSampleStage', 'openRun',
      'runBench', 'compareRuns', 'evaluateGates', 'runProbe', 'exportMoralPrompt', 'createElicitApp', 'serveElicit',
    ]) expect(typeof (tenet as Record<string, unknown>)[name], name).toBe('function');
    expect(typeof tenet.report.renderReport).toBe('function');
    expect(typeof tenet.view.serveView).toBe('function');
    expect(typeof tenet.view.exportView).toBe('function');
    expect(typeof tenet.moralgraph.aggregateStudy).toBe('function');
    expect(typeof tenet.moralgraph.rankGraph).toBe('function');
    expect(tenet.SCHWARTZ_VALUE_IDS).toHaveLength(10);
  });
});
