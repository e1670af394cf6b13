// An interval join of two event-time streams: each shipment joined with its order when it ships within [lower, upper] ms of it.
//
//   weir run examples/interval-join.ts --orders <file|dir> --shipments <file|dir> --output <dir>
//        [--lower 0] [--upper 60000] [--out-of-orderness 1000] [--parallelism N]
//        [--checkpoint-dir D --checkpoint-interval MS] [--restore latest|<path>] [--auto-watermark-interval MS] [--throttle-us N]
//
// Orders are lines `timestampMs,orderId,amount`, shipments `timestampMs,orderId,carrier`. Both
// get timestamps with forBoundedOutOfOrderness(--out-of-orderness). A pair (order, shipment) of
// one order id with order.t + lower <= shipment.t <= order.t + upper writes one line
// `orderId,orderTs,shipmentTs,amount,carrier` through the exactly-once file sink into --output.
// Both sides wait in keyed state until the watermark says no partner can come any more.

import { FileSink, StreamExecutionEnvironment, WatermarkStrategy, type Collector, type ProcessJoinContext } from 'weir';

type Order = [timestamp: number, orderId: string, amount: number];
type Shipment = [timestamp: number, orderId: string, carrier: string];

const env = StreamExecutionEnvironment.getExecutionEnvironment();
const params = env.getParameters();
const ordersPath = params.getRequired('orders');
const shipmentsPath = params.getRequired('shipments');
const output = params.getRequired('output');
const lower = params.getNumber('lower', 0);
const upper = params.getNumber('upper', 60_000);
const outOfOrderness = params.getNumber('out-of-orderness', 1_000);

// For tests: periodic watermark interval (default 200 ms) and a busy-wait per record so runs last long enough to be killed.
env.setAutoWatermarkInterval(params.getNumber('auto-watermark-interval', 200));
const throttle = params.getNumber('throttle-us', 0);

/** Splits `timestampMs,id,rest`; a bad line fails the job naming it. */
function parse(line: string): [number, string, string] {
  if (throttle > 0) {
    const until = performance.now() + throttle / 1000;
    while (performance.now() < until) { /* slow down so that checkpoints and kills land mid-run */ }
  }
  const a = line.indexOf(',');
  const b = line.indexOf(',', a + 1);
  const timestamp = Number(line.slice(0, a));
  if (a < 0 || b < 0 || !Number.isFinite(timestamp)) throw new Error(`bad input line ${JSON.stringify(line)}: expected timestampMs,orderId,value`);
  return [timestamp, line.slice(a + 1, b), line.slice(b + 1)];
}

const orders = env.readTextFile(ordersPath).name('Read orders').uid('read-orders')
  .map((line: string): Order => { const [t, id, amount] = parse(line); return [t, id, Number(amount)]; }).name('Parse orders').uid('parse-orders')
  .assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness<Order>(outOfOrderness).withTimestampAssigner((o) => o[0]))
  .uid('order-timestamps');

const shipments = env.readTextFile(shipmentsPath).name('Read shipments').uid('read-shipments')
  .map((line: string): Shipment => parse(line)).name('Parse shipments').uid('parse-shipments')
  .assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness<Shipment>(outOfOrderness).withTimestampAssigner((s) => s[0]))
  .uid('shipment-timestamps');

orders
  .keyBy((o) => o[1])
  .intervalJoin(shipments.keyBy((s) => s[1]))
  .between(lower, upper)
  .process({
    processElement(order: Order, shipment: Shipment, _ctx: ProcessJoinContext, out: Collector<string>) {
      out.collect(`${order[1]},${order[0]},${shipment[0]},${order[2]},${shipment[2]}`);
    },
  })
  .name('Join shipments to orders')
  .uid('join')
  .sinkTo(new FileSink<string>(output), 'Write pairs')
  .uid('write-pairs');

await env.execute('interval-join');
