// A notifier sender that is SIGKILLed mid-batch (test/notifier-crash.test.ts starts it): one
// delivery tick with the real transports, that claims a batch (committed: leased to it) and
// sends it, DELIVERY_CONCURRENCY at a time, until it is killed with sends in flight.
import { connect } from '@taskflow/db';
import { smtpTransport } from '../src/notify/email-transport.ts';
import { runDeliveryTick } from '../src/notify/sender.ts';
import { notifierFor, senderDeps } from './notifier.ts';

const [url, receiverAddress, smtp, concurrency, leaseMs] = process.argv.slice(2);
if (!url || !receiverAddress || !smtp || !concurrency || !leaseMs) {
  throw new Error(
    'usage: sender-victim.ts <database url> <receiver address> <smtp host:port> <concurrency> <lease ms>',
  );
}
const database = connect(url, { max: 4, applicationName: 'notifier-victim' });
const settings = notifierFor([receiverAddress], {
  sender: { batchSize: 100, concurrency: Number(concurrency), budgetMs: 60_000 },
  // Longer than the test waits: the held requests are in flight when the kill comes.
  webhook: { timeoutMs: 60_000 },
});
settings.sender.leaseMs = Number(leaseMs);
const transport = smtpTransport(`smtp://${smtp}`, { timeoutMs: 10_000 });
setInterval(() => {}, 60_000); // stay alive until killed
process.stdout.write('started\n');
await runDeliveryTick(senderDeps(database, settings, transport), {
  info: () => {},
  warn: () => {},
});
process.stdout.write('tick ended\n');
