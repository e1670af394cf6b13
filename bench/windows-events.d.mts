// Types of bench/windows-events.mjs for the TypeScript job that imports it.
export declare const DISORDER: number;
export declare function makeEvent(i: number, perMs: number, keys: number): [timestamp: number, key: number, value: number];
export declare function expectedTotals(count: number): { count: number; sum: number };
