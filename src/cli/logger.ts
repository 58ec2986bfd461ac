/**
 * The agent's own logs on stderr (pino): one JSON object per line when stderr is a file, a pipe or
 * the journal (machines read them), and pino-pretty's coloured lines when stderr is a terminal (a
 * person reads them). Both are written synchronously, so a fatal line is out before process.exit.
 * pino-pretty is imported only for a terminal: loading it costs a noticeable part of the start time.
 */
import { pino, destination, type Logger } from 'pino';
import type { LogLevel } from '../config/log-level.js';

/**
 * @param level the resolved level (src/config/log-level.ts)
 * @param stderrIsTTY pretty lines when true; `NO_COLOR` (non-empty) turns their colours off
 */
export async function createLogger(level: LogLevel, stderrIsTTY: boolean, env: Readonly<Record<string, string | undefined>>): Promise<Logger> {
  if (!stderrIsTTY) return pino({ level, base: undefined }, destination({ fd: 2, sync: true }));
  const { default: pretty } = await import('pino-pretty');
  const stream = pretty({ destination: 2, sync: true, colorize: !env.NO_COLOR, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' });
  return pino({ level, base: undefined }, stream);
}
