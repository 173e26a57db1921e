/**
 * The IPC a forked bench server speaks (bench/gateway-process.ts, bench/bare-server.ts) with the
 * bench (bench/gateway.ts). The server sends `{ listening: port }` once it accepts connections,
 * and answers
 *   { cmd: 'usage' }  → { usage: { cpuUs, rssBytes, nowUs } }   process.cpuUsage() user + system, in µs
 *   { cmd: 'counts' } → { counts: { authorizations } }   rows in its ledger
 *   { cmd: 'stop' }   → closes its server and database, then exits.
 */
export type GatewayCommand = { cmd: 'usage' } | { cmd: 'counts' } | { cmd: 'stop' };
export type GatewayReport =
  | { listening: number }
  | { usage: { cpuUs: number; rssBytes: number; nowUs: number } }
  | { counts: { authorizations: number } };

/** Reports `port` to the bench, then answers its commands with `counts` and `stop`. */
export function answerBench(
  port: number,
  server: { counts(): Promise<number>; stop(): Promise<unknown> },
): void {
  const send = (m: GatewayReport) => process.send?.(m);
  process.on('message', (m: GatewayCommand) => {
    if (m.cmd === 'usage') {
      const u = process.cpuUsage();
      send({
        usage: {
          cpuUs: u.user + u.system,
          rssBytes: process.memoryUsage().rss,
          // CLOCK_MONOTONIC in µs: the clock of a --cpu-prof profile's timestamps (bench/profile-gateway.ts).
          nowUs: Number(process.hrtime.bigint() / 1000n),
        },
      });
    } else if (m.cmd === 'counts') {
      void server.counts().then((authorizations) => send({ counts: { authorizations } }));
    } else if (m.cmd === 'stop') {
      void server.stop().finally(() => process.exit(0));
    }
  });
  send({ listening: port });
}
