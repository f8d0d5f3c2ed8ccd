/* ---------------------------------------------------------------------------
 * File: spec/promela/allocator.pml
 * ---------------------------------------------------------------------------
 *
 * The concurrent protocol of dsalloc's allocator, for SPIN.
 *
 * Modelled as src/allocator.cpp implements it: one mutex; a LIFO free list;
 * a FIFO of blocked GetBuffer callers served by direct hand-off (a release
 * writes the sample into the oldest waiter's "granted" slot); Decommit marks
 * every waiter cancelled and wakes it; the callback snapshot (read and
 * AddRef'd under the lock, called and Released after unlocking); SetNotify
 * (AddRef new, swap under the lock, Release old after unlocking); the
 * self-reference, taken by Commit from D and dropped after unlocking when a
 * decommit completes, which may destroy the allocator ("memory freed").
 *
 * Granularity (see README.md, "Abstraction"): every region the mutex guards
 * is one atomic step whose guard is `mu == NOBODY` (the lock is free). Each
 * step outside the lock is its own step: the end of a release after the
 * unlock, NotifyRelease and what the callback does from inside, the Release
 * of a snapshot or of an old callback, the allocator's self-Release. A
 * client's position between those steps is its local `phase`. Only
 * VARIANT_NOTIFY_UNDER_LOCK holds the lock across steps.
 *
 * Properties: `ltl` blocks at the end, over ghost flags that the model
 * raises the moment a rule is broken; `deadlock` is the run without a claim
 * (-DNOCLAIM: invalid end states). verify.sh runs one at a time.
 *
 * Known-bad variants, -DVARIANT_<NAME> (README.md lists which property
 * kills each): UNSYNC_READ, NOTIFY_BEFORE_FREE, DECOMMIT_WAKES_ONE,
 * PHANTOM_WAITER, and LOST_NOTIFY, NOTIFY_UNDER_LOCK,
 * SETNOTIFY_NOADDREF, OLD_CALLBACK_KEPT, LEAKED_SELFREF,
 * FREE_WITH_OUTSTANDING, DOUBLE_HANDOFF, so that every property has a
 * variant that breaks it.
 */

#ifndef NC
#define NC 3            /* client threads */
#endif
#ifndef NB
#define NB 2            /* cBuffers */
#endif
#ifndef NCB
#define NCB 2           /* callback objects that can be created (ids 1..NCB) */
#endif
#define QMAX (NC + 2)   /* waiter FIFO: NC threads, 2 phantoms (variant) */

#define ST_D 0          /* decommitted */
#define ST_C 1          /* committed */
#define ST_P 2          /* decommit pending */

#define NOBODY 255      /* mu: the lock is free */
#define NOSAMPLE 255    /* grant[]: nothing handed over yet */
#define PHANTOM 254     /* a waiter FIFO entry with no thread (variant) */
/* own[s], who has sample s: 0..NC-1 that client (also when it was handed to
 * that client while it waits), or: */
#define S_FREE 250      /* on the free list */
#define S_TRANSIT 251   /* its count reached 0, not yet back (variant) */
#define S_LOST 252      /* swallowed by a phantom waiter (variant) */
#define S_NONE 253      /* not allocated yet */

/* Client phases between its steps (0 = idle, between calls). */
#define PH_IDLE 0
#define PH_NOTIFY 1     /* released, unlocked, NotifyRelease(c) next */
#define PH_RETURN 2     /* the callback returns, snapshot Release next */
#define PH_READ 3       /* VARIANT_UNSYNC_READ: unlocked read of notify */
#define PH_PUSH 4       /* VARIANT_NOTIFY_BEFORE_FREE: now put it back */
#define PH_SWAP 5       /* SetNotify: new callback AddRef'd, swap next */
#define PH_DROP 6       /* SetNotify: swapped, Release old (+ creator) */

/* --- allocator state (guarded by mu) ------------------------------------- */
byte mu = NOBODY;
byte st = ST_D;
bool pool;              /* the samples exist (the first Commit makes them) */
byte fl[NB];            /* free list, a stack: fl[nfl-1] is the head */
byte nfl;
byte own[NB];
byte q[QMAX];           /* waiter FIFO, q[0] the oldest */
byte nq;
byte grant[NC];         /* a waiter's "granted" slot */
bool cancel[NC];        /* a waiter's "cancelled" flag */
byte notify;            /* the installed callback, 0 = NULL */

/* --- reference counts (atomic operations, not guarded) ------------------- */
byte cbref[NCB + 1];    /* per callback object; index 0 unused */
byte ncb;               /* callbacks created so far */
byte arefs = NC;        /* allocator: one per client + the self-reference */
bool destroyed;         /* the allocator, its samples and memory are freed */

/* --- ghosts --------------------------------------------------------------- */
byte nquit;             /* clients that have finished */
bool blocked[NC];       /* waiting inside GetBuffer */
byte held;              /* samples owned by clients */
byte relseen[NC];       /* bit c: callback c (bit 0: NULL) was installed at
                           some moment of the release in progress */
byte k;                 /* scratch loop index, always 0 between steps */

/* Violation flags, one per property (the ltl blocks at the end). */
bool bad_once;          /* NOTIFY.ONCE */
bool bad_dead;          /* NOTIFY.SNAPSHOT: call/AddRef/Release of a dead
                           callback */
bool bad_after;         /* NOTIFY.AFTERFREE */
bool bad_nolock;        /* THREAD.NOLOCK */
bool bad_mem;           /* LIFE.FREEMEM (and the allocator used after it) */
bool bad_bound;         /* ALLOC.BOUND */
bool bad_wake;          /* ALLOC.DECOMMIT.WAKE: a sample handed out of C */

#define LOCK_FREE (mu == NOBODY)
#define OUTSTANDING (NB - nfl)
#define SAMPLE_OUT(s) (own[s] != S_FREE && own[s] != S_NONE)
#if NB == 1
#define HOLDS_NONE(me) (own[0] != me)
#elif NB == 2
#define HOLDS_NONE(me) (own[0] != me && own[1] != me)
#else
#define HOLDS_NONE(me) (own[0] != me && own[1] != me && own[2] != me)
#endif
#define BIT(c) (1 << (c))

/* Who may do what. Every client gets and releases samples; client 0 also
 * commits and decommits, client 1 also installs and removes callbacks (a
 * graph's control thread and application). Every callback may call
 * SetNotify from inside NotifyRelease, on whichever thread releases.
 * -DALL_ROLES lets every client do everything (much larger). */
#ifdef ALL_ROLES
#define CONTROLS(me) 1
#define NOTIFIES(me) 1
#else
#define CONTROLS(me) (me == 0)
#define NOTIFIES(me) (me == 1)
#endif

/* Every locked region starts with this: the allocator must still exist. */
#define CHECK_ALIVE if :: destroyed -> bad_mem = true :: else fi

inline cb_addref(c) {
  if
  :: cbref[c] == 0 -> bad_dead = true     /* AddRef of a dead object */
  :: else -> cbref[c]++
  fi
}

/* A Release of a callback by allocator code: never under the lock
 * (THREAD.NOLOCK), never of a dead object (NOTIFY.SNAPSHOT). */
inline cb_release(c) {
  if :: mu != NOBODY -> bad_nolock = true :: else fi;
  if
  :: cbref[c] == 0 -> bad_dead = true
  :: else -> cbref[c]--
  fi
}

/* The allocator's count reached 0: LIFE.DESTROY, LIFE.FREEMEM. */
inline destroy() {
  destroyed = true;
  for (k : 0 .. NB - 1) {
    if :: SAMPLE_OUT(k) -> bad_mem = true :: else fi   /* LIFE.FREEMEM */
  }
  k = 0;
  if
  :: notify != 0 ->
     cb_release(notify);                            /* the callback too */
     notify = 0;
     for (k : 0 .. NC - 1) {      /* ghost: releases in progress saw NULL */
       if :: relseen[k] != 0 -> relseen[k] = relseen[k] | BIT(0) :: else fi
     };
     k = 0
  :: else
  fi
}

inline alloc_release() {
  arefs--;
  if :: arefs == 0 -> destroy() :: else fi
}

/* A sample goes to client `who`; ALLOC.BOUND. */
inline take(s, who) {
  if :: own[s] < NC -> bad_bound = true :: else fi;  /* a second owner */
  own[s] = who;
  held++;
  if :: held > NB -> bad_bound = true :: else fi
}

inline pop(s, me) {
  nfl--; s = fl[nfl]; fl[nfl] = 0;                   /* LIFO: the head */
  if :: own[s] != S_FREE -> bad_bound = true :: else fi;
  take(s, me);
  s = 0
}

inline dequeue(w) {
  w = q[0];
  for (k : 1 .. QMAX - 1) { q[k - 1] = q[k] };
  k = 0; q[QMAX - 1] = 0; nq--
}

/* SetNotify's swap, under the lock. Every release in progress has now seen
 * the new callback installed (ghost for NOTIFY.ONCE). */
inline swap(c, old) {
  CHECK_ALIVE;
  old = notify;
  notify = c;
  for (k : 0 .. NC - 1) {
    if :: relseen[k] != 0 -> relseen[k] = relseen[k] | BIT(c) :: else fi
  };
  k = 0
}

/* The sample is back: handed to the oldest waiter or pushed on the free
 * list; a decommit pending completes with the last one
 * (ALLOC.RELEASEBUFFER.HANDOFF, .PUSH, .COMPLETE). */
inline put_back(s, w, completes) {
  completes = (st == ST_P);
  if
  :: nq > 0 ->
     dequeue(w);
     if :: st != ST_C -> bad_wake = true :: else fi;  /* ALLOC.DECOMMIT.WAKE */
     if
     :: w == PHANTOM -> own[s] = S_LOST               /* handed to nobody */
     :: else -> own[s] = S_TRANSIT; take(s, w); grant[w] = s
     fi;
#ifdef VARIANT_DOUBLE_HANDOFF
     fl[nfl] = s; nfl++;                              /* ...and pushed too */
#endif
     w = 0
  :: else ->
     own[s] = S_FREE; fl[nfl] = s; nfl++              /* LIFO push */
  fi;
  completes = completes && OUTSTANDING == 0;
  if :: completes -> st = ST_D :: else fi
}

/* NOTIFY.ONCE, checked where a release ends: exactly one NotifyRelease,
 * or none if NULL was installed at some moment of the release. */
inline release_done(me, n) {
  if
  :: n > 1 || (n == 0 && (relseen[me] & BIT(0)) == 0) -> bad_once = true
  :: else
  fi;
  relseen[me] = 0
}

/* GetBuffer(AM_GBF_NOWAIT). ALLOC.GETBUFFER.NOWAIT: no trace left. */
inline get_nowait(me, s) {
  CHECK_ALIVE;
  if
  :: st == ST_C && nfl > 0 -> pop(s, me)
  :: st == ST_C && nfl == 0 ->
#ifdef VARIANT_PHANTOM_WAITER
     /* base-class style: counted as a waiter before the NOWAIT test */
     if :: nq < QMAX - NC -> q[nq] = PHANTOM; nq++ :: else fi;
#endif
     skip                                             /* VFW_E_TIMEOUT */
  :: else                                             /* VFW_E_NOT_COMMITTED */
  fi
}

/* ReleaseBuffer(s) under the lock, for client `me` (locals of Client). */
#ifdef VARIANT_NOTIFY_BEFORE_FREE
#define RELEASE_TAIL \
  c = notify;     /* a snapshot, but the sample is not back yet */ \
  if :: c != 0 -> cb_addref(c); phase = PH_NOTIFY \
     :: else -> phase = PH_PUSH fi
#elif defined(VARIANT_UNSYNC_READ)
#define RELEASE_TAIL \
  put_back(s, w, completes); \
  phase = PH_READ /* base classes: read later, no snapshot */
#else
#ifdef VARIANT_LOST_NOTIFY
#define LOSE_IF_PENDING if :: completes || st == ST_P -> c = 0 :: else fi;
#else
#define LOSE_IF_PENDING
#endif
#ifdef VARIANT_NOTIFY_UNDER_LOCK
#define KEEP_LOCK if :: c != 0 -> mu = me :: else fi
#else
#define KEEP_LOCK skip
#endif
#define RELEASE_TAIL \
  put_back(s, w, completes); \
  c = notify;     /* NOTIFY.SNAPSHOT: read and AddRef'd under the lock */ \
  LOSE_IF_PENDING \
  if \
  :: c != 0 -> cb_addref(c); phase = PH_NOTIFY \
  :: else -> release_done(me, 0); s = 0 /* nobody to notify */ \
  fi; \
  KEEP_LOCK
#endif
#define RELEASE_LOCKED \
  own[s] = S_TRANSIT; held--; \
  CHECK_ALIVE; \
  relseen[me] = BIT(notify); \
  RELEASE_TAIL

/* NotifyRelease(c) is called. */
#define NOTIFY_ENTRY \
  if :: cbref[c] == 0 -> bad_dead = true :: else fi;    /* NOTIFY.SNAPSHOT */ \
  if :: mu != NOBODY -> bad_nolock = true :: else fi;   /* THREAD.NOLOCK */ \
  if :: own[s] == S_TRANSIT -> bad_after = true :: else fi; /* AFTERFREE */ \
  if :: (relseen[me] & BIT(c)) == 0 -> bad_once = true :: else fi; \
  n++; \
  phase = PH_RETURN

proctype Client(byte me) {
  bool mine = true;     /* holds its reference on the allocator */
  bool completes;       /* its last call completed a decommit */
  byte phase;           /* where it is between steps (PH_*) */
  byte s;               /* the sample being released */
  byte c;               /* callback: snapshot, or being installed */
  byte old;             /* SetNotify: the callback replaced */
  byte n;               /* NotifyRelease calls made by this release */
  byte w;               /* scratch */

#define IDLE (phase == PH_IDLE && !completes)

  do
  /* --- GetBuffer, blocking (ALLOC.GETBUFFER.WAIT, THREAD.NOLOSTWAKE: FIFO,
   * served by hand-off or cancelled by Decommit). Only while holding no
   * sample: a client that holds samples and waits for more can deadlock
   * any allocator; that is the client's bug, not a protocol hang. */
  :: atomic {
       IDLE && mine && HOLDS_NONE(me) && LOCK_FREE ->
       CHECK_ALIVE;
       if
       :: st == ST_C && nfl > 0 -> pop(s, me)
       :: st == ST_C && nfl == 0 ->
          assert(nq < QMAX);
          q[nq] = me; nq++;                           /* FIFO */
          grant[me] = NOSAMPLE; cancel[me] = false;
          blocked[me] = true;
          /* condition wait: the lock is dropped, re-taken on wake-up */
          (grant[me] != NOSAMPLE || cancel[me]) && LOCK_FREE;
          blocked[me] = false;
          grant[me] = NOSAMPLE;     /* S_OK: the sample is already ours */
          cancel[me] = false        /* or VFW_E_NOT_COMMITTED */
       :: else                                        /* VFW_E_NOT_COMMITTED */
       fi
     }

  /* --- GetBuffer(AM_GBF_NOWAIT) (ALLOC.GETBUFFER.NOWAIT) */
  :: d_step { IDLE && mine && LOCK_FREE -> get_nowait(me, s) }

  /* --- Release of a sample we hold: its count reaches 0, the sample
   * recycles (thread-local) and calls ReleaseBuffer, which locks. */
  :: d_step { IDLE && own[0] == me && LOCK_FREE -> s = 0; RELEASE_LOCKED }
#if NB > 1
  :: d_step { IDLE && own[1] == me && LOCK_FREE -> s = 1; RELEASE_LOCKED }
#endif
#if NB > 2
  :: d_step { IDLE && own[2] == me && LOCK_FREE -> s = 2; RELEASE_LOCKED }
#endif

#ifdef VARIANT_UNSYNC_READ
  /* The base classes read the pointer after unlocking, without a reference. */
  :: d_step {
       phase == PH_READ ->
       CHECK_ALIVE;                /* the allocator may be gone by now */
       c = notify;
       if
       :: c != 0 -> phase = PH_NOTIFY
       :: else -> release_done(me, 0); s = 0; phase = PH_IDLE
       fi
     }
#endif

  /* --- NotifyRelease(c) (NOTIFY.ONCE, THREAD.NOLOCK, NOTIFY.AFTERFREE),
   * and what the callback does from inside (NOTIFY.REENTRANT): return at
   * once, SetNotify(NULL), or SetNotify(itself) (its AddRef of itself
   * included). The re-entrant SetNotify takes the lock. Like any caller,
   * the callback calls the allocator only while its thread holds a
   * reference on it (`mine`): a thread without one may have the allocator
   * destroyed under it by other threads (COM rule, not an allocator bug). */
  :: d_step { phase == PH_NOTIFY -> NOTIFY_ENTRY }
  :: d_step {
       phase == PH_NOTIFY && mine && LOCK_FREE -> NOTIFY_ENTRY; swap(0, old)
     }
  :: d_step {
       phase == PH_NOTIFY && mine && LOCK_FREE ->
       NOTIFY_ENTRY; cb_addref(c); swap(c, old)
     }

  /* --- NotifyRelease returned: Release of the old callback (if the
   * callback called SetNotify), of the snapshot, end of the release. */
  :: d_step {
       phase == PH_RETURN ->
       if :: old != 0 -> cb_release(old); old = 0 :: else fi;
#ifndef VARIANT_UNSYNC_READ
       cb_release(c);                                 /* the snapshot */
#endif
#ifdef VARIANT_NOTIFY_UNDER_LOCK
       mu = NOBODY;
#endif
#ifdef VARIANT_NOTIFY_BEFORE_FREE
       c = 0; phase = PH_PUSH
#else
       release_done(me, n);
       c = 0; n = 0; s = 0; phase = PH_IDLE
#endif
     }

#ifdef VARIANT_NOTIFY_BEFORE_FREE
  :: d_step {
       phase == PH_PUSH && LOCK_FREE ->
       CHECK_ALIVE;
       put_back(s, w, completes);
       release_done(me, n);
       n = 0; s = 0; phase = PH_IDLE
     }
#endif

  /* --- LIFE.SELFREF: a release or a Decommit completed the decommit; the
   * self-reference goes after unlocking (and after NotifyRelease). */
  :: d_step {
       phase == PH_IDLE && completes ->
#ifndef VARIANT_LEAKED_SELFREF
       alloc_release();
#endif
       completes = false
     }

  /* --- SetNotify(a new callback): created with the creator's reference,
   * AddRef'd by SetNotify before the lock (ALLOC.SETNOTIFY.1) ... */
  :: d_step {
       IDLE && mine && NOTIFIES(me) && ncb < NCB ->
       ncb++; c = ncb; cbref[c] = 1;
#ifndef VARIANT_SETNOTIFY_NOADDREF
       cb_addref(c);
#endif
       phase = PH_SWAP
     }
  /* ... swapped in under the lock ... */
  :: d_step { phase == PH_SWAP && LOCK_FREE -> swap(c, old); phase = PH_DROP }
  /* ... SetNotify(NULL) (ALLOC.SETNOTIFY.NULL) ... */
  :: d_step {
       IDLE && mine && NOTIFIES(me) && LOCK_FREE ->
       swap(0, old);
       if :: old != 0 -> phase = PH_DROP :: else fi
     }
  /* ... then, unlocked, the old one is Released, and the creator drops
   * its own reference on the new one. */
  :: d_step {
       phase == PH_DROP ->
#ifndef VARIANT_OLD_CALLBACK_KEPT
       if :: old != 0 -> cb_release(old) :: else fi;
#endif
       if :: c != 0 -> cb_release(c) :: else fi;
       old = 0; c = 0; phase = PH_IDLE
     }

  /* --- Commit: D -> C (allocating once, sample 0 pushed first), P -> C
   * (ALLOC.COMMIT.2, ALLOC.COMMIT.3, LIFE.SELFREF). SetProperties is not
   * modelled, so a Commit never reallocates (see README.md). */
  :: d_step {
       IDLE && mine && CONTROLS(me) && LOCK_FREE ->
       CHECK_ALIVE;
       if
       :: st == ST_C
       :: st == ST_P -> st = ST_C                     /* keeps its self-ref */
       :: st == ST_D ->
          if
          :: !pool ->
             for (k : 0 .. NB - 1) { own[k] = S_FREE; fl[k] = k };
             k = 0; nfl = NB; pool = true
          :: else
          fi;
          st = ST_C;
          arefs++                                     /* LIFE.SELFREF */
       fi
     }

  /* --- Decommit: C -> D or P; every waiter cancelled and woken
   * (ALLOC.DECOMMIT.2, .3, ALLOC.DECOMMIT.WAKE); D, P: no change (.1, .4). */
  :: d_step {
       IDLE && mine && CONTROLS(me) && LOCK_FREE ->
       CHECK_ALIVE;
       if
       :: st == ST_C ->
#ifdef VARIANT_FREE_WITH_OUTSTANDING
          completes = true;
#else
          completes = (OUTSTANDING == 0);
#endif
          if :: completes -> st = ST_D :: else -> st = ST_P fi;
          do                                          /* ALLOC.DECOMMIT.WAKE */
          :: nq > 0 ->
             dequeue(w);
             if :: w != PHANTOM -> cancel[w] = true :: else fi;
             w = 0;
#ifdef VARIANT_DECOMMIT_WAKES_ONE
             break;
#endif
             skip
          :: else -> break
          od
       :: else                                        /* D, P: no change */
       fi
     }

  /* --- The client drops its reference on the allocator; it may still
   * release samples it holds (the self-reference keeps the allocator). */
  :: d_step { IDLE && mine -> mine = false; alloc_release() }

  /* --- Done. */
  :: atomic { IDLE && !mine && HOLDS_NONE(me) -> nquit++; break }
  od
}

init {
  atomic {
    for (k : 0 .. NB - 1) { own[k] = S_NONE };
    for (k : 0 .. NC - 1) { grant[k] = NOSAMPLE };
    for (k : 0 .. NC - 1) { run Client(k) };
    k = 0
  }
}

/* --- Properties ----------------------------------------------------------- */

/* (b) THREAD.NOLOSTWAKE: no client stays blocked in GetBuffer for ever while
 * some sample is not held by a client (free, lost, or never delivered).
 * Run with pan -a -f (weak fairness). */
ltl nolostwake {
  ([]<> (!blocked[0] || held == NB)) && ([]<> (!blocked[1] || held == NB))
#if NC > 2
  && ([]<> (!blocked[2] || held == NB))
#endif
}
ltl notifyonce   { [] !bad_once }   /* (c) NOTIFY.ONCE */
ltl cballive     { [] !bad_dead }   /* (d) NOTIFY.SNAPSHOT */
ltl freemem      { [] !bad_mem }    /* (e) LIFE.FREEMEM */
ltl bound        { [] !bad_bound }  /* (f) ALLOC.BOUND */
ltl afterfree    { [] !bad_after }  /* NOTIFY.AFTERFREE */
ltl nolock       { [] !bad_nolock } /* THREAD.NOLOCK */
ltl decommitwake { [] !bad_wake }   /* ALLOC.DECOMMIT.WAKE */
/* LIFE.SELFREF, LIFE.DESTROY: once every client is done, a decommitted
 * allocator has been destroyed and every callback fully Released. */
ltl selfref {
  [] (nquit == NC -> ((st != ST_D || destroyed) &&
                      (!destroyed || (cbref[1] == 0 && cbref[NCB] == 0))))
}
