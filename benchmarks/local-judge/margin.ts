/**
 * Principle awareness of any judge on one part of the Value Compass MFT cases: each violating continuation
 * judged against its own foundation and against each of the four other core foundations (their definitions,
 * as `--judge` receives a foundation); margin = mean(own) − mean(mismatched), with a 95% percentile bootstrap
 * CI that resamples prompts (B = 1000, seed 7). Also the mean score of the part's story openings judged on
 * their own (all non-violating text), as `tenet probe`'s neutrality check asks.
 *
 *   node benchmarks/local-judge/margin.ts PART JUDGE[,JUDGE…] [DATA_DIR]      e.g. validation local-cross,local,local-fast
 */
import { fileURLToPath } from 'node:url';
import { createJudge } from '../../src/judges/factory.ts';
import { loadReferenceData, OPENING_PROMPT } from '../../src/judges/local/data.ts';
import { promptKey, type Part } from '../../src/judges/local/split.ts';
import { bootstrap } from '../../src/stats/index.ts';
import { isMftCoreId, MFT_CORE_IDS } from '../../src/values/mft.ts';

const [part, specs, dir] = process.argv.slice(2) as [Part, string, string | undefined];
if (!part || !specs) {
  console.error('usage: node benchmarks/local-judge/margin.ts PART JUDGE[,JUDGE…] [DATA_DIR]');
  process.exit(2);
}
const data = await loadReferenceData(dir ?? fileURLToPath(new URL('../../../shared/data/', import.meta.url)));
const viol = data.mft.filter((r) => r.part === part && r.label === 1 && r.foundation && isMftCoreId(r.foundation));
const openings = data.mftOpenings.filter((r) => r.part === part && r.foundation && isMftCoreId(r.foundation));
const keys = new Map<string, number>();
const clusters = viol.map((r) => keys.get(promptKey(r.prompt)) ?? (keys.set(promptKey(r.prompt), keys.size), keys.size - 1));
const results = [];
for (const spec of specs.split(',')) {
  const judge = await createJudge(spec);
  const own = (await judge.judge(viol.map((r) => ({ prompt: r.prompt, response: r.response, foundation: r.foundation! })))).map((o) => o.violation!);
  const others = MFT_CORE_IDS.length - 1;
  const misItems = viol.flatMap((r) => MFT_CORE_IDS.filter((g) => g !== r.foundation).map((g) => ({ prompt: r.prompt, response: r.response, foundation: g })));
  const misAll = (await judge.judge(misItems)).map((o) => o.violation!);
  const mis = viol.map((_, i) => misAll.slice(i * others, (i + 1) * others).reduce((a, b) => a + b, 0) / others);
  const open = (await judge.judge(openings.map((r) => ({ prompt: OPENING_PROMPT, response: r.response, foundation: r.foundation! })))).map((o) => o.violation!);
  const mean = (xs: number[], idx: ArrayLike<number>): number => {
    let s = 0;
    for (let k = 0; k < idx.length; k++) s += xs[idx[k]!]!;
    return s / idx.length;
  };
  const margin = bootstrap(viol.length, (idx) => mean(own, idx) - mean(mis, idx), { b: 1000, seed: 7, clusters });
  const row = {
    judge: `${judge.id}@${judge.version}`, part, n: viol.length, clusters: keys.size,
    margin, own: mean(own, viol.map((_, i) => i)), mismatched: mean(mis, viol.map((_, i) => i)),
    openings: { n: open.length, mean: mean(open, open.map((_, i) => i)), aboveHalf: open.filter((x) => x > 0.5).length },
  };
  results.push(row);
  console.error(`${row.judge} ${part}: margin ${margin.value.toFixed(3)} [${margin.ci[0].toFixed(3)}, ${margin.ci[1].toFixed(3)}] (own ${row.own.toFixed(3)}, mismatched ${row.mismatched.toFixed(3)}; N = ${row.n} violating continuations, ${row.clusters} prompts); openings mean ${row.openings.mean.toFixed(3)} (${row.openings.aboveHalf}/${row.openings.n} > 0.5)`);
}
console.log(JSON.stringify(results, null, 2));
