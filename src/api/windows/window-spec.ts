// WindowSpec: a keyed window operator as data (assigner, lateness, late-data tag, functions), for the runtime to build.

import type { Key } from '../../core/types.ts';
import type { ReduceFunction } from '../functions.ts';
import type { WindowAssigner } from './assigners.ts';
import type { Evictor } from './evictors.ts';
import type { Trigger } from './triggers.ts';
import type { AggregateFunction, ProcessWindowFunction } from './window-functions.ts';

export type WindowProcess = ProcessWindowFunction<unknown, unknown, Key> | (() => ProcessWindowFunction<unknown, unknown, Key>);

export type WindowFunctionSpec =
  | { readonly kind: 'reduce'; readonly reduce: ReduceFunction<unknown>; readonly process: WindowProcess | undefined }
  | { readonly kind: 'aggregate'; readonly aggregate: AggregateFunction<unknown, unknown, unknown>; readonly process: WindowProcess | undefined }
  | { readonly kind: 'process'; readonly process: WindowProcess };

export interface WindowSpec {
  readonly assigner: WindowAssigner;
  /** ms after a window's end during which late records still update it (event time only). */
  readonly allowedLateness: number;
  /** Records too late for every window go to this side output (OutputTag id); dropped when undefined. */
  readonly lateDataTag: string | undefined;
  readonly fn: WindowFunctionSpec;
  /** Replaces the assigner's default trigger (event time, processing time, never for global windows). */
  readonly trigger?: Trigger<unknown>;
  /** With an evictor the window keeps its elements, evicted from before/after each firing. */
  readonly evictor?: Evictor<unknown>;
}
