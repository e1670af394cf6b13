// Builds the window operator of a WindowSpec (one place to add evictors or custom triggers later).

import type { WindowSpec } from '../../../api/windows/window-spec.ts';
import type { StreamOperator } from '../../operator.ts';
import { WindowOperator } from './window-operator.ts';

export function createWindowOperator(spec: WindowSpec, operatorName: string): StreamOperator {
  return new WindowOperator(spec, operatorName);
}
