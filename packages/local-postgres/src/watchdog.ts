import { spawn } from 'node:child_process';
import type { Socket } from 'node:net';

/**
 * Stops the server when the process that started it dies without calling stop(): a SIGKILL,
 * a crash, an exit that forgot. Postgres has no "exit with my parent" switch and Node cannot
 * set PR_SET_PDEATHSIG, so a small shell waits on a pipe whose other end only this process
 * holds; the kernel closes it however this process ends, `read` returns, and the shell sends
 * the postmaster SIGINT (fast shutdown). It ignores SIGINT and SIGHUP, as the server does (its
 * own process group), so a Ctrl-C leaves the shutdown to the application and its stop().
 */
export function guardServer(serverPid: number): { release(): void } {
  const shell = spawn(
    '/bin/sh',
    ['-c', 'trap "" INT HUP; read _; kill -INT "$1" 2>/dev/null', 'sh', String(serverPid)],
    { stdio: ['pipe', 'ignore', 'ignore'], detached: true },
  );
  // Neither the shell nor its pipe may keep this process alive.
  shell.unref();
  (shell.stdin as Socket).unref();
  shell.on('error', () => {});
  shell.stdin.on('error', () => {});
  return {
    release() {
      // Before the server's pid can be reused: stop() and the server's own exit call this.
      shell.kill('SIGKILL');
    },
  };
}
