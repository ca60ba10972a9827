package io.lbkit.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The position counter of a rotation, built so that it neither allocates nor collapses under
 * contention. Internal: not API.
 *
 * <p>The counter holds the next index itself and wraps at the rotation length, so it never
 * divides, never overflows and never goes negative. Uncontended callers share one counter, which
 * gives a strict rotation to sequential requests whatever thread serves them (a servlet container
 * uses a different pool thread for each). A caller whose compare-and-set on that shared counter
 * fails has met another core: its stripe (chosen by thread id) then rotates on a cache line of its
 * own for the next {@value #STRIPED_RUN} selections before trying the shared counter again, so the
 * shared line stops bouncing between cores while the contention lasts. Each stripe is itself a
 * rotation, so the load stays evenly spread.
 */
public final class RotationCounter {
  private static final VarHandle INTS = MethodHandles.arrayElementVarHandle(int[].class);
  /** 32 ints = 128 bytes: keeps each counter on its own pair of cache lines. */
  private static final int PAD = 32;
  private static final int SHARED = PAD / 2;
  /**
   * Each return to the shared counter while another core uses it costs one cache-line transfer
   * (~45 ns of CPU measured on a 2-core EPYC VM); 1024 picks make that ~0.04 ns a pick, where 64
   * made it ~0.7 ns (see the notes in lb-benchmarks/RESULTS.md).
   */
  static final int STRIPED_RUN = 1024;

  private final int[] cells;
  private final int stripeShift;

  public RotationCounter() {
    // a power of two, 4 per core (at least 8, at most 64) so that busy threads rarely share a stripe
    int stripes = Math.min(64, Integer.highestOneBit(Math.max(8, Runtime.getRuntime().availableProcessors() * 4) * 2 - 1));
    stripeShift = 64 - Integer.numberOfTrailingZeros(stripes);
    cells = new int[PAD * (stripes + 2)];
  }

  /** Returns the next position in {@code [0, length)}; {@code length} must be positive. */
  public int next(int length) {
    int stripe = stripeOf(Thread.currentThread());
    int skip = cells[stripe + 1];
    if (skip == 0) {
      int position = (int) INTS.getVolatile(cells, SHARED);
      if (INTS.compareAndSet(cells, SHARED, position, following(position, length))) {
        return clamp(position, length);
      }
      cells[stripe + 1] = STRIPED_RUN; // met contention: rotate on this thread's stripe for a while
    } else {
      cells[stripe + 1] = skip - 1;
    }
    for (;;) {
      int position = (int) INTS.getVolatile(cells, stripe);
      if (INTS.compareAndSet(cells, stripe, position, following(position, length))) {
        return clamp(position, length);
      }
    }
  }

  /**
   * Sets the shared position; for tests that check recovery from out-of-range values (through
   * {@code RotationCounterAccess} in this package's tests).
   */
  void set(int position) {
    INTS.setVolatile(cells, SHARED, position);
  }

  private int stripeOf(Thread thread) {
    // Fibonacci hashing: the top bits of id * 2^64/phi spread consecutive thread ids (a pool's
    // threads) over different stripes, where low or middle bits collide often
    int stripe = (int) ((thread.getId() * 0x9E3779B97F4A7C15L) >>> stripeShift);
    return PAD * (2 + stripe) + SHARED;
  }

  private static int following(int position, int length) {
    int next = position + 1;
    return next >= length || next <= 0 ? 0 : next;
  }

  private static int clamp(int position, int length) {
    // a position can exceed a length that shrank since it was stored
    return position >= 0 && position < length ? position : Math.floorMod(position, length);
  }
}
