export function spin(x: number, rounds: number): number;
