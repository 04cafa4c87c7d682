/* The native thread team (see team.h). */
#define _GNU_SOURCE
#include "team.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#else
#include <sched.h>
#endif
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CPU_RELAX() _mm_pause()
#else
#define CPU_RELAX() ((void)0)
#endif

/* How long a thread spins for the next job (or for the last slab) before it sleeps. */
#define SPIN_NANOSECONDS 50000
/*
 * Contention guard, as in the wasm team: after this many jobs in a row where the caller waited
 * longer for the workers than it computed itself (the cores are busy with other processes), the
 * next SOLO_JOBS jobs run on the calling thread alone. Results are the same either way.
 */
#define STALLS_BEFORE_SOLO 3
#define SOLO_JOBS 256

struct Team {
  int threads;
  pthread_t *workers;
  float **scratch; /* [threads]: the caller's is 0 */
  _Atomic uint32_t generation; /* bumped to publish a job; workers wait on it */
  _Atomic uint64_t ticket;     /* TICKET(generation, slabs, next slab) */
  _Atomic uint32_t completed;  /* slabs done; the caller waits on it */
  _Atomic int sleepers;        /* workers asleep on generation */
  _Atomic int callerAsleep;
  _Atomic int stop;
  /* the job of the current generation (written before the ticket is opened); chunks: its slabs, for the caller */
  SlabFn fn;
  const void *job;
  int chunks;
  uint32_t lastGeneration;
  int stalls, soloLeft;
};

typedef struct {
  Team *team;
  int index;
} WorkerArg;

/*
 * A ticket holds the job's slab count beside its generation and next slab, so one compare-and-swap
 * checks all three: a thread holding a ticket of an earlier job cannot claim a slab of the next
 * one (reading a slab count written for it), which ran a slab twice and counted it into
 * `completed` past the end, leaving the caller waiting for ever.
 */
#define TICKET(generation, slabs, next) (((uint64_t)(generation) << 32) | ((uint64_t)(slabs) << 16) | (uint64_t)(next))
#define MAX_SLABS 0xFFFF

static void wait_while_equal(_Atomic uint32_t *word, uint32_t value) {
#if defined(__linux__)
  syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT_PRIVATE, value, NULL, NULL, 0);
#else
  (void)word; (void)value;
  sched_yield();
#endif
}

static void wake_all(_Atomic uint32_t *word) {
#if defined(__linux__)
  syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE_PRIVATE, INT32_MAX, NULL, NULL, 0);
#else
  (void)word;
#endif
}

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Spins until *word != value, for SPIN_NANOSECONDS at most; returns whether it changed. */
static int spin_while_equal(_Atomic uint32_t *word, uint32_t value) {
  const int64_t deadline = now_ns() + SPIN_NANOSECONDS;
  for (;;) {
    for (int i = 0; i < 64; i++) {
      if (atomic_load_explicit(word, memory_order_acquire) != value) return 1;
      CPU_RELAX();
    }
    if (now_ns() > deadline) return 0;
  }
}

/* Claims and computes slabs of generation `generation` until none is left. */
static void compute_slabs(Team *team, uint32_t generation, float *scratch) {
  for (;;) {
    uint64_t ticket = atomic_load_explicit(&team->ticket, memory_order_acquire);
    const uint32_t slab = (uint32_t)(ticket & MAX_SLABS), slabs = (uint32_t)((ticket >> 16) & MAX_SLABS);
    if ((uint32_t)(ticket >> 32) != generation || slab >= slabs) return;
    if (!atomic_compare_exchange_weak_explicit(&team->ticket, &ticket, ticket + 1, memory_order_acq_rel, memory_order_acquire)) continue;
    /* a valid claim: the job (fn, job) stays this generation's until this slab is counted */
    team->fn(team->job, (int)slab, (int)slabs, scratch);
    if (atomic_fetch_add(&team->completed, 1) + 1 == slabs && atomic_load(&team->callerAsleep)) {
      wake_all(&team->completed);
    }
  }
}

static void *worker_main(void *arg) {
  Team *team = ((WorkerArg *)arg)->team;
  float *scratch = team->scratch[((WorkerArg *)arg)->index];
  free(arg);
  uint32_t seen = 0; /* the generation at creation: a job published before this thread ran is still picked up */
  for (;;) {
    if (!spin_while_equal(&team->generation, seen)) {
      atomic_fetch_add(&team->sleepers, 1);
      while (atomic_load(&team->generation) == seen) wait_while_equal(&team->generation, seen);
      atomic_fetch_sub(&team->sleepers, 1);
    }
    seen = atomic_load(&team->generation);
    if (atomic_load(&team->stop)) return NULL;
    compute_slabs(team, seen, scratch);
  }
}

Team *team_create(int threads, int64_t scratchFloats) {
  Team *team = calloc(1, sizeof *team);
  if (!team) return NULL;
  team->threads = threads;
  team->workers = calloc((size_t)threads, sizeof *team->workers);
  team->scratch = calloc((size_t)threads, sizeof *team->scratch);
  if (!team->workers || !team->scratch) goto fail;
  const size_t bytes = ((size_t)scratchFloats * 4 + 63) / 64 * 64;
  for (int i = 0; i < threads; i++) {
    if (!(team->scratch[i] = aligned_alloc(64, bytes))) goto fail;
  }
  for (int i = 1; i < threads; i++) {
    WorkerArg *arg = malloc(sizeof *arg);
    if (!arg) goto fail;
    *arg = (WorkerArg){team, i};
    if (pthread_create(&team->workers[i], NULL, worker_main, arg) != 0) {
      free(arg);
      team->threads = i; /* join the ones started */
      goto fail;
    }
  }
  return team;
fail:
  team_destroy(team);
  return NULL;
}

int team_threads(const Team *team) { return team->threads; }

float *team_scratch(Team *team) { return team->scratch[0]; }

static void note_wait(Team *team, int64_t computing, int64_t waiting) {
  team->stalls = waiting > computing ? team->stalls + 1 : 0;
  if (team->stalls < STALLS_BEFORE_SOLO) return;
  team->stalls = 0;
  team->soloLeft = SOLO_JOBS;
}

void team_run(Team *team, SlabFn fn, const void *job, int slabsPerThread) {
  if (team->threads == 1 || team->soloLeft > 0) {
    if (team->soloLeft > 0) team->soloLeft--;
    fn(job, 0, 1, team->scratch[0]);
    return;
  }
  const uint32_t generation = ++team->lastGeneration;
  team->fn = fn;
  team->job = job;
  team->chunks = team->threads * slabsPerThread < MAX_SLABS ? team->threads * slabsPerThread : MAX_SLABS;
  atomic_store(&team->completed, 0);
  atomic_store(&team->ticket, TICKET(generation, team->chunks, 0));
  atomic_store(&team->generation, generation);
  if (atomic_load(&team->sleepers) > 0) wake_all(&team->generation);
  const int64_t start = now_ns();
  compute_slabs(team, generation, team->scratch[0]);
  const int64_t computed = now_ns();
  const uint32_t chunks = (uint32_t)team->chunks;
  for (uint32_t done; (done = atomic_load(&team->completed)) != chunks;) {
    if (spin_while_equal(&team->completed, done)) continue;
    atomic_store(&team->callerAsleep, 1);
    if (atomic_load(&team->completed) == done) wait_while_equal(&team->completed, done);
    atomic_store(&team->callerAsleep, 0);
  }
  note_wait(team, computed - start, now_ns() - computed);
}

void team_destroy(Team *team) {
  if (!team) return;
  if (team->workers) {
    atomic_store(&team->stop, 1);
    atomic_store(&team->generation, ++team->lastGeneration);
    wake_all(&team->generation);
    for (int i = 1; i < team->threads; i++) pthread_join(team->workers[i], NULL);
  }
  if (team->scratch) for (int i = 0; i < team->threads; i++) free(team->scratch[i]);
  free(team->scratch);
  free(team->workers);
  free(team);
}
