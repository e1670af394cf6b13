// Maps an OperatorSpec from the API to its operator implementation.

import { instantiate, type OperatorSpec } from '../../api/transformation.ts';
import type { StreamOperator } from '../operator.ts';
import { AsyncWaitOperator } from './async-wait.ts';
import { CollectOperator, DiscardOperator } from './collect.ts';
import { FilterOperator } from './filter.ts';
import { FlatMapOperator } from './flat-map.ts';
import { KeyedProcessOperator } from './keyed-process.ts';
import { KeyedAggregateOperator, KeyedRollingAggregateOperator, KeyedReduceOperator } from './keyed-reduce.ts';
import { MapOperator } from './map.ts';
import { PrintOperator } from './print.ts';
import { ProcessOperator } from './process.ts';
import { SinkWriterOperator } from './sink-writer.ts';
import { SourceOperator } from './source.ts';
import { TimestampsAndWatermarksOperator } from './timestamps-and-watermarks.ts';
import { createWindowOperator } from './windowing/create-window-operator.ts';
import { WindowCombinerOperator } from './windowing/window-combiner.ts';
import { createTwoInputOperator } from './two-input/create-two-input-operator.ts';

export function createOperator(spec: OperatorSpec, operatorName: string): StreamOperator {
  switch (spec.kind) {
    case 'source': return new SourceOperator(spec.source, spec.watermarks);
    case 'map': return new MapOperator(spec.fn);
    case 'flatMap': return new FlatMapOperator(spec.fn);
    case 'filter': return new FilterOperator(spec.fn);
    case 'process': return new ProcessOperator(instantiate(spec.fn));
    case 'reduce': return new KeyedReduceOperator(spec.fn);
    case 'aggregate': return new KeyedAggregateOperator(spec.aggregation, spec.field, operatorName);
    case 'rollingAggregate': return new KeyedRollingAggregateOperator(spec.aggregate);
    case 'keyedProcess': return new KeyedProcessOperator(instantiate(spec.fn));
    case 'timestampsAndWatermarks': return new TimestampsAndWatermarksOperator(spec.strategy);
    case 'window': return createWindowOperator(spec.window, operatorName);
    case 'windowCombine': return new WindowCombinerOperator({ window: spec.window, key: spec.key, combine: spec.combine, maxKeys: spec.maxKeys, producerName: operatorName });
    case 'asyncWait': return new AsyncWaitOperator(spec.async);
    case 'twoInput': return createTwoInputOperator(spec.twoInput);
    case 'sink': return new SinkWriterOperator(spec.sink);
    case 'print': return new PrintOperator(spec.prefix, spec.stream);
    case 'collect': return new CollectOperator();
    case 'discard': return new DiscardOperator();
  }
}
