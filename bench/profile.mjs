#!/usr/bin/env -S node --experimental-websocket
/**
 * CPU profile of a running agent, taken through the inspector so that profiling starts after the
 * BPF programs are loaded (`node --cpu-prof` samples with SIGPROF from the start, and a pending
 * signal makes the kernel verifier abort program loads with EAGAIN).
 *
 *   node --experimental-websocket bench/profile.mjs <agent pid> [seconds=10] [out=bench-results/prof/agent-<pid>.cpuprofile]
 *
 * Sends SIGUSR1 (Node opens its inspector on 127.0.0.1:9229), starts the V8 sampling profiler at a
 * 100 us interval, waits, stops it and writes the .cpuprofile (open it in Chrome DevTools or
 * https://www.speedscope.app). Root (or the agent's user) is needed to signal the agent.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

const [pidArg, secondsArg, outArg] = process.argv.slice(2);
const pid = Number(pidArg);
if (!Number.isInteger(pid) || pid <= 0) {
  process.stderr.write('usage: node --experimental-websocket bench/profile.mjs <agent pid> [seconds] [out.cpuprofile]\n');
  process.exit(2);
}
if (typeof WebSocket !== 'function') {
  process.stderr.write('run with node --experimental-websocket (Node 20) for the WebSocket client\n');
  process.exit(2);
}
const seconds = Number(secondsArg ?? 10);
const out = resolve(outArg ?? `bench-results/prof/agent-${pid}.cpuprofile`);

process.kill(pid, 'SIGUSR1');
let target = null;
for (let i = 0; i < 100 && !target; i++) {
  await new Promise((r) => setTimeout(r, 50));
  try {
    target = (await (await fetch('http://127.0.0.1:9229/json/list')).json())[0];
  } catch {
    // inspector not listening yet
  }
}
if (!target) throw new Error('the agent did not open its inspector on 127.0.0.1:9229');

const ws = new WebSocket(target.webSocketDebuggerUrl);
await new Promise((res, rej) => {
  ws.onopen = res;
  ws.onerror = rej;
});
let nextId = 1;
const pending = new Map();
ws.onmessage = (m) => {
  const msg = JSON.parse(m.data);
  if (msg.id && pending.has(msg.id)) {
    pending.get(msg.id)(msg);
    pending.delete(msg.id);
  }
};
const call = (method, params = {}) =>
  new Promise((res) => {
    const id = nextId++;
    pending.set(id, res);
    ws.send(JSON.stringify({ id, method, params }));
  });

await call('Profiler.enable');
await call('Profiler.setSamplingInterval', { interval: 100 });
await call('Profiler.start');
process.stderr.write(`profiling pid ${pid} for ${seconds} s\n`);
await new Promise((r) => setTimeout(r, seconds * 1000));
const { result } = await call('Profiler.stop');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(result.profile));
ws.close();
process.stderr.write(`wrote ${out}\n`);
