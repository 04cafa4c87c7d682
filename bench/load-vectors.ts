/**
 * One L1 measurement in its own process (bench/embeddings.ts): `tsx bench/load-vectors.ts FILE`
 * loads a vectors file with loadWordVectors and prints {"seconds": s, "words": n}.
 */
import { loadWordVectors } from '../src/node/vectors.ts';

const start = performance.now();
const vectors = await loadWordVectors(process.argv[2]);
console.log(JSON.stringify({ seconds: (performance.now() - start) / 1000, words: vectors.size }));
