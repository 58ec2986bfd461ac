// Long fuzz run of the properties in test/fuzz/properties.ts (built to dist/ by `npm run build`).
// FUZZ_RUNS runs per property (default 100000), FUZZ_SEED to replay a run; the seed is printed first.
import fc from 'fast-check';
import { PROPERTIES, realStats, stats } from '../dist/test/fuzz/properties.js';

const runs = Number(process.env.FUZZ_RUNS ?? 100_000);
const seed = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : Date.now() ^ (Math.random() * 0x7fffffff);
const only = process.argv.slice(2);
console.log(`fuzz: seed ${seed}, ${runs} runs per property (replay: FUZZ_SEED=${seed} npm run fuzz)`);
let failed = 0;
for (const [name, property] of Object.entries(PROPERTIES)) {
  if (only.length > 0 && !only.includes(name)) continue;
  const t0 = Date.now();
  const result = await fc.check(property, { numRuns: runs, seed });
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  if (result.failed) {
    failed++;
    console.log(`fuzz ${name}: FAILED after ${result.numRuns} runs (${secs} s)\n${fc.defaultReportMessage(result)}`);
  } else {
    const extra =
      name === 'normalizer'
        ? `; ${stats.records} records, ${stats.decoded} decoded, ${stats.events} output records`
        : name === 'realRecords'
          ? `; ${realStats.batches} batches, ${realStats.records} records: ${realStats.refused} refused and counted, ${realStats.decoded} decoded, ${realStats.written} written`
          : '';
    console.log(`fuzz ${name}: ${result.numRuns} runs, no failure (${secs} s)${extra}`);
  }
}
process.exit(failed === 0 ? 0 : 1);
