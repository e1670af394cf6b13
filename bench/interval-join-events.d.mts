// Types of bench/interval-join-events.mjs for the TypeScript job that imports it.
export declare const DISORDER: number;
export declare const LOWER: number;
export declare const UPPER: number;
export declare function makeEvent(i: number, side: 0 | 1, perMs: number, keys: number): [timestamp: number, key: number, id: number];
