package io.lbkit.spring;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR;

import java.net.URI;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.NettyWriteResponseFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Ends the in-flight count of an lbkit server when the exchange is over: after the response body
 * is written, or when the client goes away. It wraps the gateway's response writer, since the
 * routing filter completes as soon as the response headers arrive (least connections must see a
 * streaming response as busy until its end). Only routes with an {@code lb:} URI are wrapped;
 * {@link LbkitGatewayFilter} ends the count itself for an exchange this filter did not wrap.
 */
final class GatewayInFlightFilter implements GlobalFilter, Ordered {
  static final int ORDER = NettyWriteResponseFilter.WRITE_RESPONSE_FILTER_ORDER - 1;

  @Override
  public int getOrder() {
    return ORDER;
  }

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
    Route route = exchange.getAttribute(GATEWAY_ROUTE_ATTR);
    URI uri = route == null ? null : route.getUri();
    if (uri == null || !"lb".equals(uri.getScheme())) {
      return chain.filter(exchange);
    }
    GatewayAttributes.Exchange state = GatewayAttributes.stateOrNew(exchange.getAttributes());
    state.endsAfterBody = true;
    return chain.filter(exchange).doFinally(signal -> state.endInFlight());
  }
}
