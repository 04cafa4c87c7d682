/*
 * The native thread team: the wasm team's protocol (src/backend/wasm/team-protocol.mjs) over
 * pthreads. The calling thread publishes a job cut into slabs, computes slabs itself with the
 * workers, and returns when every slab is done. Slabs are claimed with a ticket word =
 * (generation << 32) | (slabs << 16) | next slab, by compare-and-swap, so a worker that woke late for an older job
 * claims nothing. Workers spin briefly after each job, then sleep, so back-to-back per-timestep
 * products are picked up without a wake-up. Results do not depend on who computes which slab.
 */
#ifndef RNNKIT_TEAM_H
#define RNNKIT_TEAM_H

#include <stdint.h>

/* Computes slab `part` of `parts` of a job; `scratch` is the computing thread's own. */
typedef void (*SlabFn)(const void *job, int part, int parts, float *scratch);

typedef struct Team Team;

/* A team of `threads` (the caller included), each with `scratchFloats` floats of scratch; NULL on failure. */
Team *team_create(int threads, int64_t scratchFloats);
int team_threads(const Team *team);
/* The calling thread's scratch. */
float *team_scratch(Team *team);
/* Runs `slabsPerThread` · threads slabs of the job and returns when all are done. */
void team_run(Team *team, SlabFn fn, const void *job, int slabsPerThread);
/* Stops and joins the workers and frees the team. */
void team_destroy(Team *team);

#endif
