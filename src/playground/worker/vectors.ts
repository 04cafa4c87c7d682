/**
 * Word vectors in the playground's worker: a 2-D map of the most frequent words (PCA or t-SNE),
 * nearest words, and analogies (a : b :: c : ?, gensim's most_similar(positive=[b, c], negative=[a])).
 */
import { ValueError } from '../../errors.ts';
import type { WordVectors } from '../../embeddings/word-vectors.ts';
import { pca2d, tsne2d } from '../../embeddings/projection.ts';
import type { MapReply, ModelSummary, SimilarReply } from '../protocol.ts';
import { UnsupportedRequest, type HeldModel, type ModelRequest } from './held.ts';

/** The most words drawn on the map (t-SNE is exact: quadratic in the words). */
export const MAX_MAP_WORDS = 2000;

export function vectorsSummary(vectors: WordVectors, title: string): Omit<ModelSummary, 'id'> {
  return {
    kind: 'vectors', title,
    details: `${vectors.size.toLocaleString('en-US')} words × ${vectors.dim} dimensions`,
    facts: { size: vectors.size, dim: vectors.dim, first: vectors.words.slice(0, 5) },
  };
}

export function holdVectors(vectors: WordVectors, summary: ModelSummary): HeldModel {
  return {
    summary,
    answer(request: ModelRequest) {
      switch (request.type) {
        case 'vectors-map': {
          const { count, method } = request;
          if (!(Number.isInteger(count) && count >= 4 && count <= MAX_MAP_WORDS)) throw new ValueError('count', `an integer in [4, ${MAX_MAP_WORDS}]`, String(count));
          // the most frequent words (vectors files list them first), then the extra words asked for
          const rows = [...new Set([...Array.from({ length: Math.min(count, vectors.size) }, (_, i) => i), ...request.extra.filter((w) => vectors.has(w)).map((w) => vectors.indexOf(w))])];
          const data = new Float32Array(rows.length * vectors.dim);
          rows.forEach((row, i) => data.set(vectors.vectors.subarray(row * vectors.dim, (row + 1) * vectors.dim), i * vectors.dim));
          const points = method === 'tsne' ? tsne2d(data, rows.length, vectors.dim, { seed: 0 }) : pca2d(data, rows.length, vectors.dim);
          const result: MapReply = { words: rows.map((r) => vectors.words[r]), points };
          return { result, transfer: [points.buffer] };
        }
        case 'vectors-similar': {
          const result: SimilarReply = { words: vectors.mostSimilar({ positive: [request.word], topn: request.count }) };
          return { result };
        }
        case 'vectors-analogy': {
          const result: SimilarReply = { words: vectors.mostSimilar({ positive: [request.b, request.c], negative: [request.a], topn: request.count }) };
          return { result };
        }
        default:
          throw new UnsupportedRequest('word vectors', request.type);
      }
    },
  };
}
