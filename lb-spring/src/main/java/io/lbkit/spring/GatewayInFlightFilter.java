package io.lbkit.spring;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.NettyWriteResponseFilter;
import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Ends the in-flight count of an lbkit server when the exchange is over: after the response body
 * is written, or when the client goes away. It wraps the gateway's response writer, since the
 * routing filter completes as soon as the response headers arrive (least connections must see a
 * streaming response as busy until its end).
 */
final class GatewayInFlightFilter implements GlobalFilter, Ordered {
  static final int ORDER = NettyWriteResponseFilter.WRITE_RESPONSE_FILTER_ORDER - 1;

  @Override
  public int getOrder() {
    return ORDER;
  }

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
    return chain.filter(exchange).doFinally(signal -> GatewayAttributes.endInFlight(exchange));
  }
}
