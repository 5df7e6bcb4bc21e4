import { NatsCluster } from '/work/main/dist/src/bus/local-nats-cluster.js';
import { JetStreamBus } from '/work/main/dist/src/bus/jetstream-bus.js';
import { jetstream } from '@nats-io/jetstream';
const cluster = await NatsCluster.start();
const bus = await JetStreamBus.open(cluster.servers, { partitions: 8, replicas: 3, duplicateWindowMs: 600_000 });
for (let i = 0; i < 50; i++) await bus.publishInput('acct-1', `m${i}`, { n: i });
const p = bus.partitionOf('acct-1');
const js = jetstream(bus['nc']);
const step = async (n, f) => { const s = Date.now(); try { const r = await f(); return [r, `${n}:${Date.now() - s}`]; } catch (e) { throw new Error(`${n} failed after ${Date.now() - s}: ${e.message}`); } };
const orderedRead = async () => { const log = []; const [c, a] = await step('get', () => js.consumers.get('CM_INPUTS', { filter_subjects: `cm.in.${p}`, opt_start_seq: 10 })); log.push(a); const [i, b] = await step('info', () => c.info(false)); log.push(b); const out = []; const [, d] = await step('fetch', async () => { for await (const m of await c.fetch({ max_messages: i.num_pending, expires: 2000 })) { out.push(m.seq); if (out.length >= i.num_pending) break; } }); log.push(d); await c.delete().catch(() => {}); return `${out.length} ${log.join(' ')}`; };
const msgGet = async () => { let seq = 10; let n = 0; for (;;) { const m = await bus.manager.streams.getMessage('CM_INPUTS', { seq, next_by_subj: `cm.in.${p}` }).catch((e) => { if (String(e.message).includes('no message')) return null; throw e; }); if (m === null) break; n++; seq = m.seq + 1; } return n; };
console.log(await orderedRead(), await msgGet());
cluster.kill(+(process.env.VICTIM ?? 0));
for (let i = 0; i < 10; i++) {
  for (const [n, f] of [['ordered', orderedRead], ['msgget', msgGet]]) { const s = Date.now(); try { const r = await f(); console.log(i, n, Date.now() - s, r); } catch (e) { console.log(i, n, 'FAIL', Date.now() - s, e.message); } }
}
await bus.close().catch(() => {}); await cluster.stop();
