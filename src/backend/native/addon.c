/*
 * The native backend's Node-API addon: a memory arena whose byte offsets are the "pointers" the
 * JavaScript side passes (as in the wasm backend, 0 = absent), the kernel table of the
 * instruction set picked for this CPU, and a thread team.
 *
 *   createBackend(isa, threads, reserveBytes) → {
 *     isa, threads, memory (ArrayBuffer over the whole arena), heapBase,
 *     kernels: { gemm, gemmPacked, matVecSum, packRight, packedRightFloats, fill, copy, …, the
 *                cell and optimizer kernels }   — the wasm module's exports, same arguments,
 *     team: { gemm, gemmPacked, matVecSum, rows }  — the same products split across the team,
 *     grow(bytes), close() }
 *   runnableIsas() → the instruction sets this CPU runs, fastest first.
 */
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <node_api.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "kernels.h"
#include "team.h"

#define MAX_ARGS 28
#define MAX_ROW_ARGS 12
/* Row stride of the argument that is the row count itself (team-protocol.mjs's ROW_COUNT). */
#define ROW_COUNT (-1)
/*
 * Slabs per thread: a GEMM packs its shared operand once per slab, so one; a batch-1 step product
 * one too, so that each thread tends to claim the same rows of the weights every step and finds
 * them in its own cache; a rows job four, to balance when a thread is descheduled.
 */
#define GEMM_SLABS_PER_THREAD 1
#define MATVEC_SLABS_PER_THREAD 1
#define SLABS_PER_THREAD 4

typedef struct {
  const Kernels *k;
  Team *team;
  char *base;
  size_t reserved, committed;
} Native;

/* Every function the addon exports per backend; the first ten are the row kernels, in the order
 * of team-protocol.mjs's ROW_KERNELS. */
enum {
  FILL, RNN_CELL_FORWARD, RNN_CELL_BACKWARD, LSTM_CELL_FORWARD, LSTM_CELL_BACKWARD,
  GRU_GATES, GRU_BLEND, GRU_UPDATE_BACKWARD, GRU_RESET_AFTER_BACKWARD, GRU_RESET_GATE_BACKWARD,
  ROW_KERNEL_COUNT,
  GEMM = ROW_KERNEL_COUNT, GEMM_PACKED, MATVEC_SUM, PACK_RIGHT, PACKED_RIGHT_FLOATS, COPY, UNARY, UNARY_BACKWARD,
  CLAMP, CLAMP_BACKWARD, BINARY, AXPY, SCALE, SUM_ROWS, SUM, LOG_SOFTMAX, SOFTMAX, CROSS_ENTROPY_FORWARD, CROSS_ENTROPY_BACKWARD,
  GATHER, SCATTER_ADD, SGD_UPDATE, ADAM_UPDATE, ADAPTIVE_UPDATE, WORD2VEC,
  TEAM_GEMM, TEAM_GEMM_PACKED, TEAM_MATVEC_SUM, TEAM_ROWS, GROW, CLOSE,
  FUNCTION_COUNT,
};

static const char *const FUNCTION_NAMES[FUNCTION_COUNT] = {
  "fill", "rnnCellForward", "rnnCellBackward", "lstmCellForward", "lstmCellBackward",
  "gruGates", "gruBlend", "gruUpdateBackward", "gruResetAfterBackward", "gruResetGateBackward",
  "gemm", "gemmPacked", "matVecSum", "packRight", "packedRightFloats", "copy", "unary", "unaryBackward",
  "clamp", "clampBackward", "binary", "axpy", "scale", "sumRows", "sum", "logSoftmax", "softmax", "crossEntropyForward", "crossEntropyBackward",
  "gather", "scatterAdd", "sgdUpdate", "adamUpdate", "adaptiveUpdate", "word2vec",
  "team.gemm", "team.gemmPacked", "team.matVecSum", "team.rows", "grow", "close",
};

typedef struct {
  Native *native;
  int id;
} Binding;

/* ---- kernel calls over decoded arguments (a[i]: numbers; pointers are arena byte offsets) ---- */

#define F(i) ((float *)(a[i] != 0 ? native->base + (size_t)a[i] : NULL))
#define I32(i) ((int32_t *)(a[i] != 0 ? native->base + (size_t)a[i] : NULL))
#define N(i) ((int)a[i])
#define L(i) ((int64_t)a[i])
#define R(i) ((float)a[i])

static void run_row_kernel(const Native *native, int id, const double *a) {
  const Kernels *k = native->k;
  switch (id) {
    case FILL: k->fill(F(0), R(1), L(2)); break;
    case RNN_CELL_FORWARD: k->rnnCellForward(N(0), N(1), N(2), F(3), F(4), F(5), F(6), I32(7), N(8)); break;
    case RNN_CELL_BACKWARD: k->rnnCellBackward(N(0), N(1), N(2), F(3), F(4), F(5), F(6), I32(7), N(8)); break;
    case LSTM_CELL_FORWARD: k->lstmCellForward(N(0), N(1), F(2), F(3), F(4), F(5), F(6), F(7), I32(8), N(9)); break;
    case LSTM_CELL_BACKWARD: k->lstmCellBackward(N(0), N(1), F(2), F(3), F(4), F(5), F(6), F(7), F(8), I32(9), N(10)); break;
    case GRU_GATES: k->gruGates(N(0), N(1), F(2), F(3), F(4), F(5), I32(6), N(7)); break;
    case GRU_BLEND: k->gruBlend(N(0), N(1), F(2), F(3), F(4), F(5), F(6), I32(7), N(8), N(9)); break;
    case GRU_UPDATE_BACKWARD: k->gruUpdateBackward(N(0), N(1), F(2), F(3), F(4), F(5), F(6), F(7), I32(8), N(9)); break;
    case GRU_RESET_AFTER_BACKWARD: k->gruResetAfterBackward(N(0), N(1), F(2), F(3), F(4), F(5), I32(6), N(7)); break;
    case GRU_RESET_GATE_BACKWARD: k->gruResetGateBackward(N(0), N(1), F(2), F(3), F(4), F(5), F(6), F(7)); break;
  }
}

/* A team job: the decoded arguments of a product or of a row kernel. */
typedef struct {
  const Native *native;
  int id;
  double a[MAX_ARGS];
} Job;

static void gemm_slab(const void *job, int part, int parts, float *scratch) {
  const Job *j = job;
  const Native *native = j->native;
  const double *a = j->a;
  if (j->id == GEMM) {
    native->k->gemm(N(0), N(1), N(2), N(3), N(4), R(5), F(6), N(7), F(8), N(9), NULL, R(10), F(11), N(12), part, parts, scratch);
  } else {
    native->k->gemm(N(0), 0, N(1), N(2), N(3), R(4), F(5), N(6), NULL, 0, F(7), R(8), F(9), N(10), part, parts, scratch);
  }
}

static void mat_vec_sum_slab(const void *job, int part, int parts, float *scratch) {
  (void)scratch;
  const Job *j = job;
  const Native *native = j->native;
  const double *a = j->a;
  native->k->matVecSum(N(0), F(1), F(2), N(3), F(4), F(5), N(6), F(7), F(8), F(9), part, parts);
}

/* Rows [b0, b1) of a rows job: a[0] kernel, a[1] rows, a[2] argc, then the arguments, then their
 * byte strides per row (0: not per row; ROW_COUNT: the row count; a null pointer stays null). */
static void rows_slab(const void *job, int part, int parts, float *scratch) {
  (void)scratch;
  const Job *j = job;
  const int rows = (int)j->a[1], argc = (int)j->a[2];
  const int b0 = (int)((int64_t)rows * part / parts), b1 = (int)((int64_t)rows * (part + 1) / parts);
  if (b1 <= b0) return;
  const double *args = j->a + 3, *strides = args + argc;
  double slab[MAX_ROW_ARGS];
  for (int i = 0; i < argc; i++) {
    slab[i] = strides[i] == ROW_COUNT ? b1 - b0 : strides[i] > 0 && args[i] != 0 ? args[i] + b0 * strides[i] : args[i];
  }
  run_row_kernel(j->native, (int)j->a[0], slab);
}

/* A word2vec round: jobs [counter, lastJob) claimed by the team's threads, each with its own scratch. */
typedef struct {
  const Native *native;
  Word2Vec w;
  char *scratch;
  int64_t scratchBytes;
  int longest, lastJob;
  int32_t *counter;
} Word2VecRound;

static void word2vec_slab(const void *job, int part, int parts, float *teamScratch) {
  (void)parts;
  (void)teamScratch;
  const Word2VecRound *round = job;
  int32_t *kept = (int32_t *)(round->scratch + (size_t)part * (size_t)round->scratchBytes), *reduced = kept + round->longest;
  float *hidden = (float *)(reduced + round->longest), *error = hidden + round->w.dim;
  for (;;) {
    const int j = __atomic_fetch_add(round->counter, 1, __ATOMIC_RELAXED);
    if (j >= round->lastJob) break;
    round->native->k->word2vecJob(&round->w, j, kept, reduced, hidden, error);
  }
}

/* Runs function `id` on decoded arguments; returns a number for `sum`, else 0. */
static double run(Native *native, int id, const double *a, int argc) {
  const Kernels *k = native->k;
  float *scratch = team_scratch(native->team);
  if (id < ROW_KERNEL_COUNT) {
    run_row_kernel(native, id, a);
    return 0;
  }
  switch (id) {
    case GEMM:
      k->gemm(N(0), N(1), N(2), N(3), N(4), R(5), F(6), N(7), F(8), N(9), NULL, R(10), F(11), N(12), N(13), N(14), scratch);
      break;
    case GEMM_PACKED:
      k->gemm(N(0), 0, N(1), N(2), N(3), R(4), F(5), N(6), NULL, 0, F(7), R(8), F(9), N(10), N(11), N(12), scratch);
      break;
    case MATVEC_SUM: k->matVecSum(N(0), F(1), F(2), N(3), F(4), F(5), N(6), F(7), F(8), F(9), N(10), N(11)); break;
    case PACK_RIGHT: k->packRight(N(0), N(1), N(2), F(3), N(4), F(5)); break;
    case PACKED_RIGHT_FLOATS: return (double)k->packedRightFloats(N(0), N(1));
    case COPY: memmove(native->base + (size_t)a[1], native->base + (size_t)a[0], (size_t)L(2) * 4); break;
    case UNARY: k->unary(N(0), F(1), F(2), L(3)); break;
    case UNARY_BACKWARD: k->unaryBackward(N(0), F(1), F(2), F(3), F(4), L(5)); break;
    case CLAMP: k->clamp(F(0), F(1), L(2), R(3), R(4)); break;
    case CLAMP_BACKWARD: k->clampBackward(F(0), F(1), F(2), L(3), R(4), R(5)); break;
    case BINARY: k->binary(N(0), F(1), F(2), F(3), L(4), L(5)); break;
    case AXPY: k->axpy(R(0), F(1), F(2), L(3)); break;
    case SCALE: k->scale(F(0), R(1), L(2)); break;
    case SUM_ROWS: k->sumRows(F(0), N(1), N(2), F(3), N(4)); break;
    case SUM: return k->sum(F(0), L(1), N(2));
    case LOG_SOFTMAX: k->logSoftmax(F(0), F(1), N(2), N(3)); break;
    case SOFTMAX: k->softmax(F(0), F(1), N(2), N(3)); break;
    case CROSS_ENTROPY_FORWARD: k->crossEntropyForward(F(0), I32(1), N(2), N(3), F(4), N(5), F(6), F(7)); break;
    case CROSS_ENTROPY_BACKWARD: k->crossEntropyBackward(F(0), I32(1), N(2), N(3), F(4), N(5), R(6), F(7)); break;
    case GATHER: k->gather(F(0), N(1), I32(2), N(3), F(4)); break;
    case SCATTER_ADD: k->scatterAdd(F(0), N(1), I32(2), N(3), F(4)); break;
    case SGD_UPDATE: k->sgdUpdate(F(0), F(1), F(2), L(3), R(4), R(5), R(6), R(7), N(8), N(9)); break;
    case ADAM_UPDATE: k->adamUpdate(F(0), F(1), F(2), F(3), L(4), R(5), R(6), R(7), R(8), R(9), N(10), R(11), R(12)); break;
    case ADAPTIVE_UPDATE: k->adaptiveUpdate(F(0), F(1), F(2), L(3), R(4), R(5), R(6), R(7), R(8)); break;
    case WORD2VEC: {
      /* a: cbow, cbowMean, dim, window, negative, chunks, vocab, input, output, tokens, chunkStarts, keep,
       *    noise, noiseGuide, seeds, alphas, sigmoid, scratch, scratchBytes, longest, counter, lastJob */
      const Word2VecRound round = {
        native,
        {N(0), N(1), N(2), N(3), N(4), N(5), N(6), F(7), F(8), I32(9), I32(10), I32(11), I32(12), I32(13), I32(14), F(15), F(16)},
        native->base + (size_t)a[17], L(18), N(19), N(21), I32(20),
      };
      team_run(native->team, word2vec_slab, &round, 1);
      break;
    }
    case TEAM_GEMM:
    case TEAM_GEMM_PACKED:
    case TEAM_MATVEC_SUM:
    case TEAM_ROWS: {
      Job job = {native, id == TEAM_GEMM ? GEMM : id == TEAM_GEMM_PACKED ? GEMM_PACKED : id, {0}};
      memcpy(job.a, a, (size_t)argc * sizeof *a);
      if (id == TEAM_GEMM || id == TEAM_GEMM_PACKED) team_run(native->team, gemm_slab, &job, GEMM_SLABS_PER_THREAD);
      else if (id == TEAM_ROWS) team_run(native->team, rows_slab, &job, SLABS_PER_THREAD);
      else team_run(native->team, mat_vec_sum_slab, &job, MATVEC_SLABS_PER_THREAD);
      break;
    }
  }
  return 0;
}

/* ---- Node-API glue ------------------------------------------------------------------------- */

#define CHECK(env, call)                                                        \
  do {                                                                          \
    if ((call) != napi_ok) {                                                    \
      napi_throw_error((env), NULL, "rnnkit native addon: " #call " failed");   \
      return NULL;                                                              \
    }                                                                           \
  } while (0)

static napi_value throw_error(napi_env env, const char *message) {
  napi_throw_error(env, NULL, message);
  return NULL;
}

/* Commits the arena up to `bytes` (rounded up to 64 KiB). */
static int grow(Native *native, double bytes) {
  const size_t want = ((size_t)bytes + 65535) / 65536 * 65536;
  if (want <= native->committed) return 1;
  if (want > native->reserved) return 0;
  if (mprotect(native->base + native->committed, want - native->committed, PROT_READ | PROT_WRITE) != 0) return 0;
  native->committed = want;
  return 1;
}

static napi_value call_function(napi_env env, napi_callback_info info) {
  size_t argc = MAX_ARGS;
  napi_value argv[MAX_ARGS];
  Binding *binding;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, (void **)&binding));
  Native *native = binding->native;
  if (binding->id == CLOSE) {
    team_destroy(native->team);
    native->team = NULL;
    return NULL;
  }
  if (!native->team) return throw_error(env, "native backend: used after close()");
  double a[MAX_ARGS];
  for (size_t i = 0; i < argc; i++) {
    if (napi_get_value_double(env, argv[i], &a[i]) != napi_ok) {
      bool flag = false;
      napi_get_value_bool(env, argv[i], &flag); /* booleans as 0/1; null and undefined as 0 */
      a[i] = flag;
    }
  }
  if (binding->id == GROW) {
    if (!grow(native, argc > 0 ? a[0] : 0)) return throw_error(env, "native backend out of memory: the arena cannot grow further");
    return NULL;
  }
  const double result = run(native, binding->id, a, (int)argc);
  napi_value out;
  CHECK(env, napi_create_double(env, result, &out));
  return out;
}

/* The arena's ArrayBuffer was collected: unmap it and stop the team. The Native record and its
 * bindings stay (a few hundred bytes), so a function still referenced throws instead of crashing. */
static void free_arena(napi_env env, void *data, void *hint) {
  (void)env;
  Native *native = hint;
  munmap(data, native->reserved);
  team_destroy(native->team);
  native->team = NULL;
  native->base = NULL;
}

static const Kernels *kernels_named(const char *isa) {
#if defined(__x86_64__) && !defined(RNNKIT_PORTABLE_ONLY)
  __builtin_cpu_init();
  const int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  const int avx512 = avx2 && __builtin_cpu_supports("avx512f");
  if (strcmp(isa, "avx512") == 0) return avx512 ? &rnnkit_kernels_avx512 : NULL;
  if (strcmp(isa, "avx2") == 0) return avx2 ? &rnnkit_kernels_avx2 : NULL;
  if (strcmp(isa, "") == 0) return avx512 ? &rnnkit_kernels_avx512 : avx2 ? &rnnkit_kernels_avx2 : &rnnkit_kernels_portable;
#else
  if (strcmp(isa, "") == 0) return &rnnkit_kernels_portable;
#endif
  if (strcmp(isa, "portable") == 0) return &rnnkit_kernels_portable;
  return NULL;
}

static napi_value runnable_isas(napi_env env, napi_callback_info info) {
  (void)info;
  static const char *const all[] = {"avx512", "avx2", "portable"};
  napi_value list, name;
  CHECK(env, napi_create_array(env, &list));
  uint32_t n = 0;
  for (size_t i = 0; i < sizeof all / sizeof *all; i++) {
    if (!kernels_named(all[i])) continue;
    CHECK(env, napi_create_string_utf8(env, all[i], NAPI_AUTO_LENGTH, &name));
    CHECK(env, napi_set_element(env, list, n++, name));
  }
  return list;
}

static napi_value set_named(napi_env env, napi_value object, const char *name, napi_value value) {
  CHECK(env, napi_set_named_property(env, object, name, value));
  return object;
}

/* createBackend(isa: string ('' = the fastest this CPU runs), threads, reserveBytes) */
static napi_value create_backend(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char isa[32] = "";
  size_t isaLength;
  double threads = 1, reserve = 0;
  if (argc < 3 || napi_get_value_string_utf8(env, argv[0], isa, sizeof isa, &isaLength) != napi_ok ||
      napi_get_value_double(env, argv[1], &threads) != napi_ok || napi_get_value_double(env, argv[2], &reserve) != napi_ok) {
    return throw_error(env, "createBackend(isa, threads, reserveBytes): bad arguments");
  }
  const Kernels *kernels = kernels_named(isa);
  if (!kernels) return throw_error(env, "native backend: this CPU cannot run the requested instruction set");
  Native *native = calloc(1, sizeof *native);
  if (!native) return throw_error(env, "native backend: out of memory");
  native->k = kernels;
  /* Reserve address space only: pages are committed by grow() and backed on first touch. */
  for (native->reserved = (size_t)reserve; native->reserved >= (1u << 30); native->reserved /= 2) {
    native->base = mmap(NULL, native->reserved, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (native->base != MAP_FAILED) break;
    native->base = NULL;
  }
#if defined(MADV_HUGEPAGE)
  /* 2 MiB pages where the system allows them: a fault per 2 MiB, and fewer TLB misses when a GEMM
   * packs a matrix with a long stride. Only advice: failure changes nothing. */
  if (native->base) madvise(native->base, native->reserved, MADV_HUGEPAGE);
#endif
  if (!native->base) {
    free(native);
    return throw_error(env, "native backend: cannot reserve address space for the arena");
  }
  native->team = team_create((int)threads, kernels->gemmScratchFloats);
  if (!native->team || !grow(native, 1 << 20)) {
    munmap(native->base, native->reserved);
    team_destroy(native->team);
    free(native);
    return throw_error(env, "native backend: cannot start the thread team");
  }
  napi_value result, memory, kernelsObject, teamObject, value;
  CHECK(env, napi_create_object(env, &result));
  CHECK(env, napi_create_object(env, &kernelsObject));
  CHECK(env, napi_create_object(env, &teamObject));
  /* The finalizer is added only once the buffer exists (a failed creation must not run it). */
  if (napi_create_external_arraybuffer(env, native->base, native->reserved, NULL, NULL, &memory) != napi_ok) {
    munmap(native->base, native->reserved);
    team_destroy(native->team);
    free(native);
    return throw_error(env, "native backend: cannot wrap the arena in an ArrayBuffer (too big? at most 4 GiB)");
  }
  CHECK(env, napi_add_finalizer(env, memory, native->base, free_arena, native, NULL));
  Binding *bindings = calloc(FUNCTION_COUNT, sizeof *bindings);
  if (!bindings) return throw_error(env, "native backend: out of memory");
  for (int id = 0; id < FUNCTION_COUNT; id++) {
    bindings[id] = (Binding){native, id};
    const char *name = FUNCTION_NAMES[id];
    const int inTeam = strncmp(name, "team.", 5) == 0;
    if (inTeam) name += 5;
    CHECK(env, napi_create_function(env, name, NAPI_AUTO_LENGTH, call_function, &bindings[id], &value));
    set_named(env, id == GROW || id == CLOSE ? result : inTeam ? teamObject : kernelsObject, name, value);
  }
  set_named(env, result, "memory", memory);
  set_named(env, result, "kernels", kernelsObject);
  set_named(env, result, "team", teamObject);
  CHECK(env, napi_create_string_utf8(env, kernels->isa, NAPI_AUTO_LENGTH, &value));
  set_named(env, result, "isa", value);
  CHECK(env, napi_create_int32(env, team_threads(native->team), &value));
  set_named(env, result, "threads", value);
  CHECK(env, napi_create_int32(env, 64, &value));
  set_named(env, result, "heapBase", value);
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  if (napi_create_function(env, "createBackend", NAPI_AUTO_LENGTH, create_backend, NULL, &fn) != napi_ok) return NULL;
  set_named(env, exports, "createBackend", fn);
  if (napi_create_function(env, "runnableIsas", NAPI_AUTO_LENGTH, runnable_isas, NULL, &fn) != napi_ok) return NULL;
  set_named(env, exports, "runnableIsas", fn);
  return exports;
}
