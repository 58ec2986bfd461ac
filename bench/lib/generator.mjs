/** Runs one compiled workload generator (bench/workloads/*.c) and parses its JSON result line. */
import { spawn } from 'node:child_process';

/**
 * @typedef {object} GeneratorResult
 * @property {number} ops          operations completed
 * @property {number} seconds      wall time of the loop (CLOCK_MONOTONIC)
 * @property {number} ops_per_sec  ops / seconds
 * @property {number} pid          generator pid (the pid in its records)
 * @property {number} start_mono_ns CLOCK_MONOTONIC ns at loop start
 */

/**
 * @param {string} bin   generator binary
 * @param {string[]} args generator arguments (-d, -n, -r, path)
 * @returns {Promise<GeneratorResult>}
 * @throws Error with the generator's stderr when it exits non-zero or prints no result
 */
export function runGenerator(bin, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`${bin} ${args.join(' ')} exited ${code}: ${err.trim()}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop() ?? ''));
      } catch {
        reject(new Error(`${bin} printed no result line: ${out} ${err}`));
      }
    });
  });
}
