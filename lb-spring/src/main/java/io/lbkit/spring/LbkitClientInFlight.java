package io.lbkit.spring;

import io.lbkit.core.Server;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The in-flight count of one {@code @LoadBalanced} {@code WebClient} call, ended once: by
 * {@link LbkitLoadBalancerLifecycle#onComplete} when the call is answered or fails, or by
 * {@link LbkitWebClientFilter} when the caller cancels it first (a timeout, a disposed
 * subscription), which Spring Cloud's lifecycle never reports.
 */
final class LbkitClientInFlight extends AtomicReference<Server> {
  /** Request attribute of a {@code WebClient} call that {@link LbkitWebClientFilter} watches. */
  static final String ATTRIBUTE = "io.lbkit.spring.clientInFlight";

  private static final long serialVersionUID = 1L;

  /** The call's counter, or null when the call is not watched (a {@code RestClient} call). */
  static LbkitClientInFlight of(Map<String, Object> attributes) {
    Object inFlight = attributes.get(ATTRIBUTE);
    return inFlight instanceof LbkitClientInFlight ? (LbkitClientInFlight) inFlight : null;
  }

  /** Counts {@code server} in flight (ending the count of an earlier attempt, if any). */
  void start(Server server) {
    server.stats().requestStarted();
    Server previous = getAndSet(server);
    if (previous != null) {
      previous.stats().requestEnded();
    }
  }

  /** Ends the count, if one is open. */
  void end() {
    Server server = getAndSet(null);
    if (server != null) {
      server.stats().requestEnded();
    }
  }
}
