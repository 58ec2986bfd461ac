/**
 * Privilege-escalation rules (config/rules.d/privilege-escalation.toml) replayed without BPF on records
 * recorded from real runs (test/e2e-content-privilege-escalation.test.ts with RG_RECORD_CONTENT_FIXTURES=1):
 * each positive alerts, each near miss does not. The near misses: chmod 1777 and 755, setcap -v,
 * pkexec --version, sudo -u#1000, sudo vim FILE, sudo find -exec sh -c CMD, useradd + userdel (writes and renames onto /etc/passwd,
 * /etc/shadow: the account tools are excepted), os.chmod(0o755) and chmod(1)'s own chmod(2) for the
 * syscall rule, a user.* xattr and setcap(1)'s own setxattr(2) for the capability syscall rule.
 */
import { replayTacticTests } from './helpers/content-tactic.js';

replayTacticTests('privilege-escalation', 8);
