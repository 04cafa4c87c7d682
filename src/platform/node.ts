/**
 * rnnkit's entry point in Node: the public API (src/index.ts), with Node's backends as the default
 * choice, fastest first (src/node/backends.ts); the first layer or tensor made loads it, no `await`.
 */
import '../node/backends.ts';

export * from '../index.ts';
