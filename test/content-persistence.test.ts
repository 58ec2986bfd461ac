/**
 * Persistence rules (config/rules.d/persistence.toml) replayed without BPF on records recorded from real
 * runs (test/e2e-content-persistence.test.ts with RG_RECORD_CONTENT_FIXTURES=1): each positive alerts,
 * each near miss does not. The near misses: a cron file renamed out of /etc/cron.d, `crontab -l`, a file
 * in /etc/systemd outside system/, a .service in ~/.config/systemd outside user/, ~/.bash_history appended,
 * authorized_keys renamed away, /etc/ld.so.preload read, a udev rule read, an rc.local backup written,
 * a sudoers drop-in renamed away, `at -l`, `modprobe -r`, a modules-load.d file read, a file beside
 * /etc/update-motd.d, a symlink elsewhere in /etc.
 */
import { replayTacticTests } from './helpers/content-tactic.js';

replayTacticTests('persistence', 15);
