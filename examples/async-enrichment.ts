// Enrichment through async I/O: orders get their customer from an HTTP service (started by this file, on 127.0.0.1) with many requests in flight.
//
//   weir run examples/async-enrichment.ts --output <dir> [--count N] [--capacity C] [--latency-ms MS] [--timeout-ms MS]
//        [--parallelism N] [--checkpoint-dir D --checkpoint-interval MS] [--restore latest]
//
// Order i (customer i mod 100, amount i mod 997) is written as `orderId,customerId,name,tier,amount`
// through the exactly-once file sink. The "customer service" answers after --latency-ms (default
// 20) and refuses the first request of every 97th customer lookup with a 503, which the job
// retries; a lookup still unanswered after --timeout-ms ends in the tier `unknown` (the
// timeout handler's fallback) instead of failing the job. With --capacity 50 (the default), 50
// lookups per subtask are in flight at once: awaiting them one by one would take count × latency.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isMainThread } from 'node:worker_threads';
import {
  AsyncDataStream, AsyncRetryStrategies, FileSink, StreamExecutionEnvironment, type AsyncFunctionObject, type ResultFuture,
} from 'weir';

interface Order { readonly id: number; readonly customer: number; readonly amount: number }
interface Customer { readonly id: number; readonly name: string; readonly tier: string }

const env = StreamExecutionEnvironment.getExecutionEnvironment();
const params = env.getParameters();
const output = params.getRequired('output');
const count = params.getNumber('count', 2000);
const capacity = params.getNumber('capacity', 50);
const latencyMs = params.getNumber('latency-ms', 20);
const timeoutMs = params.getNumber('timeout-ms', 2000);

// The service runs in the client's thread only: worker threads import this file too, to rebuild
// the graph, and find the service's address in the environment the client gave them.
const URL_VARIABLE = 'WEIR_EXAMPLE_CUSTOMER_SERVICE';
let stopService = (): void => {};
if (isMainThread && process.env[URL_VARIABLE] === undefined) {
  const seen = new Set<number>();
  const server = createServer((req, res) => {
    const id = Number(/^\/customers\/(\d+)$/.exec(req.url ?? '')?.[1]);
    if (!Number.isInteger(id)) { res.writeHead(404).end(); return; }
    setTimeout(() => {
      if (id % 97 === 0 && !seen.has(id)) { seen.add(id); res.writeHead(503).end(); return; }
      const customer: Customer = { id, name: `customer-${id}`, tier: id % 10 === 0 ? 'gold' : 'standard' };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(customer));
    }, latencyMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.env[URL_VARIABLE] = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  stopService = () => { server.closeAllConnections(); server.close(); };
}

class ServiceUnavailable extends Error {}

/** Looks the customer up; the object shape (rather than a plain async function) for the timeout fallback. */
class CustomerLookup implements AsyncFunctionObject<Order, string> {
  async asyncInvoke(order: Order): Promise<string[]> {
    const res = await fetch(`${process.env[URL_VARIABLE]}/customers/${order.customer}`);
    if (res.status === 503) { await res.body?.cancel(); throw new ServiceUnavailable(`customer ${order.customer}`); }
    if (!res.ok) throw new Error(`customer service: HTTP ${res.status} for customer ${order.customer}`);
    const c = (await res.json()) as Customer;
    return [`${order.id},${c.id},${c.name},${c.tier},${order.amount}`];
  }

  timeout(order: Order, result: ResultFuture<string>): void {
    result.complete([`${order.id},${order.customer},,unknown,${order.amount}`]);
  }
}

const orders = env
  .fromGenerator((i): Order => ({ id: i, customer: i % 100, amount: i % 997 }), { count })
  .name('Orders')
  .uid('orders');

const retry = AsyncRetryStrategies.exponentialBackoff<string>(4, 10, 200).ifException((e) => e instanceof ServiceUnavailable).build();
AsyncDataStream.unorderedWaitWithRetry(orders, new CustomerLookup(), timeoutMs, capacity, retry)
  .name('Look up customer')
  .uid('lookup')
  .sinkTo(new FileSink<string>(output), 'Write enriched orders')
  .uid('write');

try {
  await env.execute('async-enrichment');
} finally {
  stopService();
}
