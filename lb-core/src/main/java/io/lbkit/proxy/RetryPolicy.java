package io.lbkit.proxy;

import io.lbkit.core.Balancer;
import io.lbkit.core.Endpoint;
import io.lbkit.core.RequestView;
import io.lbkit.core.Selection;
import io.lbkit.core.Server;
import io.lbkit.core.TriedServers;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * HAProxy's retry rules for a failed attempt, for any engine: whether to try again, on which
 * server ({@code redispatch}), after what delay, and the answer when not. Immutable.
 *
 * <p>A connection that was never established is always retryable (the server saw nothing). One
 * that closed before any response byte is retryable only for an idempotent method whose body was
 * not read at all. Timeouts and bad responses are never retried.
 *
 * <p>How many times ({@link #nextAttempt}): with {@code redispatch}, a retryable failure moves on
 * to a server the request has not tried yet (by endpoint, so across snapshot publishes) as long
 * as there is one, whatever {@code retries} says: a request is not lost while a server it never
 * tried is up. Once every eligible server was tried, {@code retries} bounds the attempts as in
 * HAProxy (1 + {@code retries} in all). Attempts never exceed 1 + {@code retries} + the number of
 * eligible servers, so a list that changes under every attempt cannot keep a request forever.
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

  /**
   * Whether the {@code retries} budget allows another attempt after {@code attemptsMade}, the last
   * of which failed so. {@link #nextAttempt} may go further, to servers not tried yet.
   */
  public boolean shouldRetry(AttemptFailure failure, boolean idempotent, boolean bodyStarted, int attemptsMade) {
    return retryable(failure, idempotent, bodyStarted) && attemptsMade <= retries;
  }

  /**
   * The selection for the next attempt after {@code failed} failed so, or {@link Selection#NONE}
   * to stop and send {@link #answer}. A server not in {@code tried} is always worth an attempt
   * while it lasts (see the class comment); a server tried before only within {@code retries}.
   *
   * @param attemptsMade attempts so far, the failed one included
   * @param tried the servers tried so far, the failed one included
   */
  public Selection nextAttempt(AttemptFailure failure, boolean idempotent, boolean bodyStarted, int attemptsMade,
      Selection failed, TriedServers tried) {
    if (!retryable(failure, idempotent, bodyStarted)) {
      return Selection.NONE;
    }
    int eligible = balancer.group().snapshot().eligible().size();
    if (attemptsMade > retries + eligible) {
      return Selection.NONE;
    }
    Selection next = next(failed, tried);
    if (next.isEmpty()) {
      return next;
    }
    return attemptsMade <= retries || !tried.contains(next.server()) ? next : Selection.NONE;
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
   * The server for a retry: with {@code redispatch}, or when the failed server's endpoint is no
   * longer usable, another one not in {@code tried} if any ({@link Balancer#selectOther}, which
   * gives it a fresh cookie); else the same. Empty when no server is left. Servers are compared
   * by endpoint: a snapshot published since the failure (new {@code Server} objects) neither
   * makes {@code redispatch off} leave its server nor lets a tried server in again.
   */
  public Selection next(Selection failed, TriedServers tried) {
    if (!redispatch && isUsable(failed.server())) {
      return failed;
    }
    return balancer.selectOther(RequestView.EMPTY, tried); // no cookie: the fallback's choice
  }

  /** Whether the current snapshot has a usable server at {@code server}'s endpoint. */
  private boolean isUsable(Server server) {
    Endpoint endpoint = server.endpoint();
    if (endpoint == null) {
      return false;
    }
    List<Server> usable = balancer.group().snapshot().usable();
    for (int i = 0, n = usable.size(); i < n; i++) {
      if (endpoint.equals(usable.get(i).endpoint())) {
        return true;
      }
    }
    return false;
  }

  /** Whether a retry on {@code next} after {@code failed} goes to the same endpoint (then it waits {@link #sameServerDelayMillis}). */
  public static boolean sameEndpoint(Selection failed, Selection next) {
    Endpoint a = failed.server().endpoint();
    return a != null && a.equals(next.server().endpoint());
  }

  /** How long to wait before retrying on the same server (HAProxy: min(1 s, {@code timeout connect})). */
  public long sameServerDelayMillis() {
    return sameServerDelayMillis;
  }
}
