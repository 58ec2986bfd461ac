/**
 * What SIGHUP does: a list of named reload actions run in registration order (the output file
 * reopen, and the rules reload registered by the agent when the CLI gives it a loader). One failing action is counted and
 * logged and does not stop the others, nor the agent.
 */

/** One reload action; may throw (counted in `reload_failures`, the agent goes on). */
export type ReloadAction = () => void;

/** Outcome of one action of one reload round. */
export interface ReloadOutcome {
  name: string;
  /** the error message when the action threw, else absent */
  error?: string;
}

/** Named reload actions and their counters (shown in health records as `reloads`, `reload_failures`). */
export class ReloadRegistry {
  private readonly actions = new Map<string, ReloadAction>();
  /** Reload rounds run (one per SIGHUP). */
  reloads = 0;
  /** Actions that threw, over all rounds (a failed output reopen keeps writing to the old file). */
  reload_failures = 0;

  /**
   * Register `fn` under `name` (e.g. "output", "rules").
   * @throws Error when `name` is already registered (two owners of one reload is a bug).
   */
  onReload(name: string, fn: ReloadAction): void {
    if (this.actions.has(name)) throw new Error(`reload action "${name}" is already registered`);
    this.actions.set(name, fn);
  }

  /** Names registered, in the order they run. */
  names(): string[] {
    return [...this.actions.keys()];
  }

  /** Run every action once; never throws. @returns one outcome per action, in order. */
  reload(): ReloadOutcome[] {
    this.reloads += 1;
    const outcomes: ReloadOutcome[] = [];
    for (const [name, fn] of this.actions) {
      try {
        fn();
        outcomes.push({ name });
      } catch (err) {
        this.reload_failures += 1;
        outcomes.push({ name, error: err instanceof Error ? err.message : String(err) });
      }
    }
    return outcomes;
  }
}
