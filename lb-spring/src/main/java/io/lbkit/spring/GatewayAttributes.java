package io.lbkit.spring;

import io.lbkit.core.Server;
import java.util.Map;

/**
 * The exchange attributes the gateway glue shares between its filters, the load balancer and the
 * lifecycle. The gateway's load-balancer filter hands the exchange's own attribute map to Spring
 * Cloud LoadBalancer ({@code RequestData#getAttributes()}), so the balancer and the lifecycle read
 * and write them too.
 */
final class GatewayAttributes {
  /** Present on exchanges routed to an lbkit service by {@link LbkitGatewayFilter}: the lifecycle counts them as gateway exchanges. */
  static final String GATEWAY_EXCHANGE = "io.lbkit.spring.gateway";
  /** The client's {@code Cookie} lines when the forwarded request lost lbkit's cookie: the balancer selects from these. */
  static final String COOKIE_LINES = "io.lbkit.spring.cookieLines";
  /** The {@link LbkitServiceInstance} that answered: its {@code Set-Cookie} goes on the response. */
  static final String RESPONDED = "io.lbkit.spring.responded";
  /** The {@link Server} this exchange counts in flight, until the response body is written. */
  static final String IN_FLIGHT = "io.lbkit.spring.inFlight";
  /** Present when {@link GatewayInFlightFilter} wraps the response writer and ends the in-flight count there. */
  static final String ENDS_AFTER_BODY = "io.lbkit.spring.endsAfterBody";

  private GatewayAttributes() {
  }

  /** Counts {@code server} in flight for this exchange (ending a count a failed attempt left, if any). */
  static void startInFlight(Map<String, Object> attributes, Server server) {
    server.stats().requestStarted();
    Object previous = attributes.put(IN_FLIGHT, server);
    if (previous instanceof Server) {
      ((Server) previous).stats().requestEnded();
    }
  }

  /** Ends the in-flight count of {@code server} for this exchange, once (the attribute map is concurrent). */
  static void endInFlight(Map<String, Object> attributes, Server server) {
    if (attributes.remove(IN_FLIGHT, server)) {
      server.stats().requestEnded();
    }
  }

  /** Ends whichever in-flight count this exchange holds, once. */
  static void endInFlight(Map<String, Object> attributes) {
    Object server = attributes.remove(IN_FLIGHT);
    if (server instanceof Server) {
      ((Server) server).stats().requestEnded();
    }
  }
}
