package io.lbkit.spring;

import io.lbkit.core.Server;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The exchange attributes the gateway glue shares between its filters, the load balancer and the
 * lifecycle. The gateway's load-balancer filter hands the exchange's own attribute map to Spring
 * Cloud LoadBalancer ({@code RequestData#getAttributes()}), so the balancer and the lifecycle read
 * and write them too.
 *
 * <p>lbkit keeps its per-exchange state in one attribute ({@link #STATE}, an {@link Exchange}): the
 * attribute map is a {@code ConcurrentHashMap} sized for the gateway's own attributes, and each
 * extra entry pushed it over a resize threshold (a table copy on every request, seen in profiles).
 */
final class GatewayAttributes {
  /** The exchange's {@link Exchange}: lbkit's state for this exchange. */
  static final String STATE = "io.lbkit.spring.exchange";
  /** The client's {@code Cookie} lines when the forwarded request lost lbkit's cookie: the balancer selects from these. */
  static final String COOKIE_LINES = "io.lbkit.spring.cookieLines";

  private GatewayAttributes() {
  }

  /** The exchange's state, or null when no lbkit filter has seen it. */
  static Exchange state(Map<String, Object> attributes) {
    Object state = attributes.get(STATE);
    return state instanceof Exchange ? (Exchange) state : null;
  }

  /** The exchange's state, created on first use (filters run one at a time for an exchange). */
  static Exchange stateOrNew(Map<String, Object> attributes) {
    Exchange state = state(attributes);
    if (state == null) {
      state = new Exchange();
      attributes.put(STATE, state);
    }
    return state;
  }

  /** Ends whichever in-flight count this exchange holds, once; nothing when it has no state. */
  static void endInFlight(Map<String, Object> attributes) {
    Exchange state = state(attributes);
    if (state != null) {
      state.endInFlight();
    }
  }

  /** lbkit's state of one gateway exchange. */
  static final class Exchange {
    /** Routed to an lbkit service by {@link LbkitGatewayFilter}: the lifecycle counts it as a gateway exchange. */
    volatile boolean lbkitRoute;
    /** {@link GatewayInFlightFilter} wraps the response writer and ends the in-flight count there. */
    volatile boolean endsAfterBody;
    /** The {@link LbkitServiceInstance} that answered: its {@code Set-Cookie} goes on the response. */
    volatile LbkitServiceInstance responded;
    /** The {@link Server} this exchange counts in flight, until the response body is written. */
    private final AtomicReference<Server> inFlight = new AtomicReference<>();

    /** Counts {@code server} in flight for this exchange (ending a count a failed attempt left, if any). */
    void startInFlight(Server server) {
      server.stats().requestStarted();
      Server previous = inFlight.getAndSet(server);
      if (previous != null) {
        previous.stats().requestEnded();
      }
    }

    /** Ends the in-flight count of {@code server} for this exchange, once. */
    void endInFlight(Server server) {
      if (inFlight.compareAndSet(server, null)) {
        server.stats().requestEnded();
      }
    }

    /** Ends whichever in-flight count this exchange holds, once. */
    void endInFlight() {
      Server server = inFlight.getAndSet(null);
      if (server != null) {
        server.stats().requestEnded();
      }
    }
  }
}
