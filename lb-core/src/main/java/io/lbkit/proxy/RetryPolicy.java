package io.lbkit.proxy;

import io.lbkit.core.Balancer;
import io.lbkit.core.RequestView;
import io.lbkit.core.Selection;
import io.lbkit.core.Server;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * HAProxy's retry rules for a failed attempt, for any engine: whether to try again, on which
 * server ({@code redispatch}), after what delay, and the answer when not. Immutable.
 *
 * <p>A connection that was never established is always retryable (the server saw nothing). One
 * that closed before any response byte is retryable only for an idempotent method whose body was
 * not read at all. Timeouts and bad responses are never retried.
 */
public final class RetryPolicy {
  private static final Set<String> IDEMPOTENT = Set.of("GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE");

  private final Balancer balancer;
  private final int retries;
  private final boolean redispatch;
  private final long sameServerDelayMillis;

  /**
   * @param retries tries after the first one (HAProxy {@code retries})
   * @param redispatch a retry goes to another server when there is one
   * @param timeoutConnect the connect timeout; the delay before retrying the same server is min(1 s, it)
   */
  public RetryPolicy(Balancer balancer, int retries, boolean redispatch, Duration timeoutConnect) {
    this.balancer = Objects.requireNonNull(balancer, "balancer");
    if (retries < 0) {
      throw new IllegalArgumentException("retries: " + retries + " (expected: 0 or more)");
    }
    this.retries = retries;
    this.redispatch = redispatch;
    this.sameServerDelayMillis = Math.min(1000, timeoutConnect.toMillis());
  }

  /** Whether the method may be sent twice (RFC 9110 9.2.2). */
  public static boolean isIdempotent(String method) {
    return IDEMPOTENT.contains(method);
  }

  public int retries() {
    return retries;
  }

  /** Whether this failure may be retried at all, whatever the count. */
  public boolean retryable(AttemptFailure failure, boolean idempotent, boolean bodyStarted) {
    return failure == AttemptFailure.NOT_CONNECTED
        || (failure == AttemptFailure.CLOSED_BEFORE_RESPONSE && idempotent && !bodyStarted);
  }

  /** Whether to retry after {@code attemptsMade} attempts, the last of which failed so. */
  public boolean shouldRetry(AttemptFailure failure, boolean idempotent, boolean bodyStarted, int attemptsMade) {
    return retryable(failure, idempotent, bodyStarted) && attemptsMade <= retries;
  }

  /**
   * The answer when the failure is not retried (any more): 503 for a retryable one (the servers
   * are unreachable), 504 for a timeout, else 502.
   */
  public ErrorResponse answer(AttemptFailure failure, boolean idempotent, boolean bodyStarted) {
    if (retryable(failure, idempotent, bodyStarted)) {
      return ErrorResponse.NO_SERVER;
    }
    return failure == AttemptFailure.TIMED_OUT ? ErrorResponse.GATEWAY_TIMEOUT : ErrorResponse.BAD_GATEWAY;
  }

  /**
   * The server for a retry: with {@code redispatch}, or when the failed server is no longer
   * usable, another one not in {@code tried} if any ({@link Balancer#selectOther}, which gives
   * it a fresh cookie); else the same. Empty when no server is left.
   */
  public Selection next(Selection failed, Set<Server> tried) {
    boolean stillUsable = balancer.group().snapshot().usable().contains(failed.server());
    if (!redispatch && stillUsable) {
      return failed;
    }
    return balancer.selectOther(RequestView.EMPTY, tried); // no cookie: the fallback's choice
  }

  /** How long to wait before retrying on the same server (HAProxy: min(1 s, {@code timeout connect})). */
  public long sameServerDelayMillis() {
    return sameServerDelayMillis;
  }
}
