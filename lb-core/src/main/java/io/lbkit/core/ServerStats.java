package io.lbkit.core;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Live counters of one server slot, kept across snapshots. Adapters (the servlet filter, a
 * gateway) record requests here; the stats page reads them. Thread-safe.
 */
public final class ServerStats {
  private final Ticker ticker;
  private final AtomicInteger active = new AtomicInteger();
  private final LongAdder requests = new LongAdder();
  private final LongAdder failures = new LongAdder();
  private final LongAdder retries = new LongAdder();
  private final LongAdder checkFailures = new LongAdder();
  private final LongAdder downTransitions = new LongAdder();
  private final AtomicInteger tunnels = new AtomicInteger();
  private final LongAdder tunnelsTotal = new LongAdder();
  private volatile String checkStatus;
  private volatile int health;
  private volatile long checkDurationNanos = -1;
  // downtime: time spent DOWN before the current DOWN period, and when that period began
  private long downtimeNanos;
  private long downSince;
  private boolean down;
  /** Consecutive failed requests, for the passive check; written by ServerGroup. */
  volatile int consecutiveErrors;

  /** Made by the group for each slot; times (downtime) come from the group's ticker. */
  ServerStats(Ticker ticker) {
    this.ticker = ticker;
  }

  /** A request was sent to this server; pair with {@link #requestEnded()}. */
  public void requestStarted() {
    requests.increment();
    active.incrementAndGet();
  }

  public void requestEnded() {
    active.decrementAndGet();
  }

  /**
   * An upgraded connection (WebSocket) to this server opened; pair with {@link #tunnelClosed()}.
   * Its handshake request stays counted in {@link #active()} until the tunnel closes.
   */
  public void tunnelOpened() {
    tunnels.incrementAndGet();
    tunnelsTotal.increment();
  }

  public void tunnelClosed() {
    tunnels.decrementAndGet();
  }

  /** A request to this server failed (connection refused, reset, timeout, malformed response). */
  public void failure() {
    failures.increment();
  }

  /** A request was retried away from this server. */
  public void retry() {
    retries.increment();
  }

  void checkFailed() {
    checkFailures.increment();
  }

  void check(String status, int health) {
    this.checkStatus = status;
    this.health = health;
  }

  void wentDown() {
    downTransitions.increment();
  }

  void checkDuration(long nanos) {
    this.checkDurationNanos = nanos;
  }

  /** Called by the group on every state change, with the group's ticker time. */
  synchronized void stateChanged(boolean nowDown, long now) {
    if (down && !nowDown) {
      downtimeNanos += now - downSince;
    } else if (!down && nowDown) {
      downSince = now;
    }
    down = nowDown;
  }

  public int active() {
    return active.get();
  }

  /** Tunnels (upgraded connections) open now; each also counts in {@link #active()}. */
  public int tunnels() {
    return tunnels.get();
  }

  /** Tunnels opened so far. */
  public long tunnelsTotal() {
    return tunnelsTotal.sum();
  }

  public long requests() {
    return requests.sum();
  }

  public long failures() {
    return failures.sum();
  }

  public long retries() {
    return retries.sum();
  }

  public long checkFailures() {
    return checkFailures.sum();
  }

  /** How many times the server went from UP to DOWN (HAProxy's {@code chkdown}). */
  public long downTransitions() {
    return downTransitions.sum();
  }

  /** The last health check result ("L4OK", "L4CON", "L4TOUT", "L7OK", "L7STS 500"...), or null. */
  public String checkStatus() {
    return checkStatus;
  }

  /** How long the last active check took, in nanoseconds of the group's ticker; -1 when unknown. */
  public long checkDurationNanos() {
    return checkDurationNanos;
  }

  /**
   * Total time the server has spent DOWN (failed health checks), in nanoseconds of the group's
   * ticker, including the current DOWN period (HAProxy's {@code downtime}). Time in MAINT (no
   * address, or admin) does not count.
   */
  public synchronized long downtimeNanos() {
    return down ? downtimeNanos + (ticker.read() - downSince) : downtimeNanos;
  }

  /** HAProxy's health counter: 0..rise+fall-1; the server is UP from rise on. */
  public int health() {
    return health;
  }
}
