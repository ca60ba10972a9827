package io.lbkit.spring;

import io.lbkit.core.Server;
import org.springframework.web.server.ServerWebExchange;

/** The exchange attributes the gateway glue shares between its filters and the load balancer. */
final class GatewayAttributes {
  /** The {@link LbkitServiceInstance} of the current attempt (set after the gateway's load balancer chose it). */
  static final String SELECTED = "io.lbkit.spring.selected";
  /** The {@link LbkitServiceInstance} that answered: its {@code Set-Cookie} goes on the response. */
  static final String RESPONDED = "io.lbkit.spring.responded";
  /** The {@link Server} this exchange counts in flight, until the response body is written. */
  static final String IN_FLIGHT = "io.lbkit.spring.inFlight";
  /** Present once the response hook that adds lbkit's {@code Set-Cookie} is registered. */
  static final String COOKIE_HOOK = "io.lbkit.spring.cookieHook";

  private GatewayAttributes() {
  }

  /** Ends the in-flight count of {@code server} for this exchange, once. */
  static void endInFlight(ServerWebExchange exchange, Server server) {
    if (exchange.getAttributes().remove(IN_FLIGHT, server)) {
      server.stats().requestEnded();
    }
  }

  /** Ends whichever in-flight count this exchange holds, once. */
  static void endInFlight(ServerWebExchange exchange) {
    Object server = exchange.getAttributes().remove(IN_FLIGHT);
    if (server instanceof Server) {
      ((Server) server).stats().requestEnded();
    }
  }
}
