/**
 * Bench settings from the environment. Every duration is configurable so the
 * full run fits in 10 minutes on a 2-core machine and `BENCH_SMOKE=1` in ~10 s.
 */

function num(env, name, fallback) {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number, got "${raw}"`);
  return value;
}

/**
 * @typedef {object} BenchSettings
 * @property {boolean} smoke   BENCH_SMOKE=1: one short pair per workload, one shared agent session, no peers, one ramp round
 * @property {number} seconds  BENCH_SECONDS: length of one workload run (s)
 * @property {number} pairs    BENCH_PAIRS: baseline/agent pairs per workload
 * @property {number} peerPairs BENCH_PEER_PAIRS: how many of those rounds also run the peers (0 = no peers)
 * @property {string[]|null} workloads BENCH_WORKLOADS: comma list of workload ids to run (null = all)
 * @property {number} rampStart BENCH_RAMP_START: first ramp rate (events/s), doubled each round
 * @property {number} rampRounds BENCH_RAMP_ROUNDS: at most this many doubling rounds
 * @property {number} rampSeconds BENCH_RAMP_SECONDS: length of one ramp round (s)
 * @property {'write'|'open'} rampOp BENCH_RAMP_OP: watched-file operation the ramp generates
 * @property {number} rampBisect BENCH_RAMP_BISECT: bisection rounds after the 1.5x round (0 in smoke runs)
 * @property {string[]} rampRuleSets BENCH_RAMP_RULE_SETS: rule sets the ramp runs with, in order
 *   (`none`, `synthetic100`, `shipped`; smoke: `shipped`), see rule-sets.mjs
 * @property {number} moderateRate BENCH_MODERATE_RATE: the ramp rate whose p99 latency is checked against 100 ms
 * @property {number} rssRate  rate (events/s) whose RSS is checked against 120 MB (the 100k/s)
 * @property {number} warmupMs pause after a tracer is ready before the workload starts (ms)
 * @property {number} agentWarmupSeconds BENCH_AGENT_WARMUP: before each measured agent run, the same
 *   workload runs this long with the agent attached, unmeasured but reported: V8 compiles the hot
 *   paths only after many calls, and a deployed agent runs for days (peers are compiled C: no warm-up)
 * @property {number} execWarmupSeconds BENCH_EXEC_WARMUP: the same for the exec workload, whose few
 *   thousand events per second take longer to reach compiled code
 * @property {number} settleMs pause after the workload before tracer CPU is read (ms): lets it drain
 * @property {string} resultsDir BENCH_RESULTS_DIR: where reports go (default bench-results/)
 */

const RULE_SETS = ['none', 'synthetic100', 'shipped'];

/** @throws Error naming BENCH_RAMP_RULE_SETS and the valid names for an unknown set */
function ruleSets(text) {
  const sets = text.split(',').map((x) => x.trim()).filter(Boolean);
  for (const x of sets) if (!RULE_SETS.includes(x)) throw new Error(`BENCH_RAMP_RULE_SETS: unknown rule set "${x}" (valid: ${RULE_SETS.join(', ')})`);
  if (sets.length === 0) throw new Error('BENCH_RAMP_RULE_SETS: name at least one rule set');
  return sets;
}

/**
 * @param {NodeJS.ProcessEnv} env
 * @param {string} repoRoot absolute path of the repository
 * @returns {BenchSettings}
 * @throws Error naming the variable when a value is not a number or BENCH_RAMP_OP is unknown
 */
export function loadSettings(env, repoRoot) {
  const smoke = env.BENCH_SMOKE === '1';
  const rampOp = env.BENCH_RAMP_OP ?? 'write';
  if (rampOp !== 'write' && rampOp !== 'open') throw new Error(`BENCH_RAMP_OP must be write or open, got "${rampOp}"`);
  const peerPairs = smoke ? 0 : num(env, 'BENCH_PEER_PAIRS', 3);
  return {
    smoke,
    seconds: num(env, 'BENCH_SECONDS', smoke ? 0.3 : 1.5),
    pairs: Math.max(1, Math.round(num(env, 'BENCH_PAIRS', smoke ? 1 : 5))),
    peerPairs: env.BENCH_PEERS === '0' ? 0 : Math.round(peerPairs),
    workloads: env.BENCH_WORKLOADS ? env.BENCH_WORKLOADS.split(',').map((s) => s.trim()) : null,
    rampStart: num(env, 'BENCH_RAMP_START', 25_000),
    rampRounds: Math.max(1, Math.round(num(env, 'BENCH_RAMP_ROUNDS', smoke ? 1 : 6))),
    rampSeconds: num(env, 'BENCH_RAMP_SECONDS', smoke ? 0.5 : 3),
    rampOp,
    rampBisect: Math.max(0, Math.round(num(env, 'BENCH_RAMP_BISECT', smoke ? 0 : 2))),
    rampRuleSets: ruleSets(env.BENCH_RAMP_RULE_SETS ?? (smoke ? 'shipped' : 'none,synthetic100,shipped')),
    moderateRate: num(env, 'BENCH_MODERATE_RATE', 50_000),
    rssRate: 100_000,
    warmupMs: smoke ? 100 : 200,
    agentWarmupSeconds: num(env, 'BENCH_AGENT_WARMUP', smoke ? 0.2 : 1),
    execWarmupSeconds: num(env, 'BENCH_EXEC_WARMUP', smoke ? 0.2 : 4),
    settleMs: smoke ? 100 : 200,
    resultsDir: env.BENCH_RESULTS_DIR ?? `${repoRoot}/bench-results`,
  };
}
