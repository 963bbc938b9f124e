/**
 * Check a principles file: load it (the shipped library by default), print counts per foundation and
 * polarity, and list near-duplicate pairs. Exit code 1 when any pair reaches the threshold.
 *
 *   node scripts/check-principles.ts [FILE] [--threshold 0.6] [--top N]
 *
 * `--top N` also prints the N most similar pairs whatever their score, for reviewing the library by hand.
 */
import { MFT_CORE_IDS } from '../src/values/mft.ts';
import {
  DEFAULT_PRINCIPLES_FILE,
  NEAR_DUPLICATE_THRESHOLD,
  findNearDuplicates,
  loadPrinciples,
  principlesByFoundation,
} from '../src/values/principles.ts';

const args = process.argv.slice(2);
let file = DEFAULT_PRINCIPLES_FILE;
let threshold = NEAR_DUPLICATE_THRESHOLD;
let top = 0;
for (let i = 0; i < args.length; i++) {
  const arg = args[i]!;
  if (arg === '--threshold') threshold = Number(args[++i]);
  else if (arg === '--top') top = Number(args[++i]);
  else file = arg;
}

const principles = await loadPrinciples(file);
const byFoundation = principlesByFoundation(principles);
console.log(`${file}: ${principles.length} principles`);
for (const id of MFT_CORE_IDS) {
  const list = byFoundation[id];
  const virtue = list.filter((p) => p.polarity === 'virtue').length;
  console.log(`  ${id.padEnd(10)} ${String(list.length).padStart(4)}  virtue ${virtue}  vice ${list.length - virtue}`);
}

const fmt = (n: number) => n.toFixed(3);
if (top > 0) {
  console.log(`\nthe ${top} most similar pairs:`);
  for (const d of findNearDuplicates(principles, 0).slice(0, top)) {
    console.log(`  ${fmt(d.similarity)} (j ${fmt(d.jaccard)}, c ${fmt(d.cosine)})  ${d.a.id}: ${d.a.principle}  |  ${d.b.id}: ${d.b.principle}`);
  }
}

const dups = findNearDuplicates(principles, threshold);
console.log(`\n${dups.length} near-duplicate pair(s) at threshold ${threshold}`);
for (const d of dups) {
  console.log(`  ${fmt(d.similarity)}  ${d.a.id}: ${d.a.principle}  |  ${d.b.id}: ${d.b.principle}`);
}
process.exitCode = dups.length > 0 ? 1 : 0;
