package io.lbkit.spring;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_SCHEME_PREFIX_ATTR;

import io.lbkit.core.Balancer;
import io.lbkit.core.Server;
import io.lbkit.core.Snapshot;
import io.lbkit.core.TriedServers;
import java.net.URI;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.ReactiveLoadBalancerClientFilter;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Runs just before the gateway's load-balancer filter, for {@code lb://} routes to lbkit services:
 * marks the exchange as counted by the gateway glue and, when a server refuses the connection
 * (nothing was sent, so any method may go elsewhere), runs the load balancer and the routing again
 * with the servers tried so far in {@link LbkitReactorLoadBalancer#TRIED_ATTRIBUTE}, so lbkit
 * selects another one ({@code selectOther}). The client sees a failure only when every usable
 * server refused.
 */
final class GatewayRetryFilter implements GlobalFilter, Ordered {
  /** Just before {@link ReactiveLoadBalancerClientFilter}, so a retry re-runs the choice. */
  static final int ORDER = ReactiveLoadBalancerClientFilter.LOAD_BALANCER_CLIENT_FILTER_ORDER - 1;

  private static final Logger log = LoggerFactory.getLogger(GatewayRetryFilter.class);

  private final LbkitServices services;

  GatewayRetryFilter(LbkitServices services) {
    this.services = services;
  }

  @Override
  public int getOrder() {
    return ORDER;
  }

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
    URI url = exchange.getAttribute(GATEWAY_REQUEST_URL_ATTR);
    Balancer balancer = url == null || !isLoadBalanced(exchange, url) ? null : services.balancer(url.getHost());
    if (balancer == null) {
      return chain.filter(exchange);
    }
    exchange.getAttributes().put(LbkitLoadBalancerLifecycle.GATEWAY_EXCHANGE_ATTRIBUTE, Boolean.TRUE);
    return attempt(exchange, chain, url, balancer);
  }

  private static boolean isLoadBalanced(ServerWebExchange exchange, URI url) {
    return "lb".equals(url.getScheme()) || "lb".equals(exchange.getAttribute(GATEWAY_SCHEME_PREFIX_ATTR));
  }

  private Mono<Void> attempt(ServerWebExchange exchange, GatewayFilterChain chain, URI url, Balancer balancer) {
    return chain.filter(exchange).onErrorResume(e -> retry(exchange, chain, url, balancer, e));
  }

  private Mono<Void> retry(ServerWebExchange exchange, GatewayFilterChain chain, URI url, Balancer balancer,
      Throwable error) {
    Object selected = exchange.getAttributes().remove(GatewayAttributes.SELECTED);
    if (!(selected instanceof LbkitServiceInstance) || !Failures.isConnectFailure(error)
        || exchange.getResponse().isCommitted()) {
      return Mono.error(error);
    }
    Server failed = ((LbkitServiceInstance) selected).server();
    TriedServers tried = tried(exchange);
    tried.add(failed);
    if (!hasUntried(balancer, tried)) {
      log.warn("{}: {} refused the connection and no other server is left to try", balancer.group().name(),
          failed.name());
      return Mono.error(error);
    }
    failed.stats().retry();
    log.debug("{}: {} refused the connection; trying another server", balancer.group().name(), failed.name());
    // as the gateway's Retry filter does: forget the failed routing, then route again from the lb:// URL
    ServerWebExchangeUtils.reset(exchange);
    exchange.getAttributes().put(GATEWAY_REQUEST_URL_ATTR, url);
    return attempt(exchange, chain, url, balancer);
  }

  private static TriedServers tried(ServerWebExchange exchange) {
    return (TriedServers) exchange.getAttributes()
        .computeIfAbsent(LbkitReactorLoadBalancer.TRIED_ATTRIBUTE, k -> new TriedServers());
  }

  /**
   * Whether a usable server is left that this exchange has not tried ({@link TriedServers} compares
   * endpoints, so a new snapshot's Server objects count as tried); bounded in case snapshots keep
   * changing under the retries.
   */
  private static boolean hasUntried(Balancer balancer, TriedServers tried) {
    Snapshot snapshot = balancer.group().snapshot();
    return tried.size() < 2 * snapshot.servers().size() && !tried.containsAll(snapshot.usable());
  }
}
