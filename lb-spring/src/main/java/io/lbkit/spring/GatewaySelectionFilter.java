package io.lbkit.spring;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_LOADBALANCER_RESPONSE_ATTR;

import io.lbkit.core.Balancer;
import io.lbkit.core.Selection;
import io.lbkit.core.Server;
import io.lbkit.proxy.ProxyHeaders;
import java.util.ArrayList;
import java.util.List;
import org.springframework.cloud.client.loadbalancer.Response;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.ReactiveLoadBalancerClientFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Runs just after the gateway's load-balancer filter, when the instance it chose is lbkit's:
 * forwards the request without lbkit's cookie when the balancer says so
 * ({@link Balancer#forwardedCookieHeader}), counts the server in flight, reports the attempt to the
 * passive check (a connection-level failure as {@code recordRequestFailure}, an answer as
 * {@code recordRequestSuccess}), and puts the selection's {@code Set-Cookie} on the response (with
 * the backend's own cookies passed through {@link Balancer#backendSetCookie}).
 */
final class GatewaySelectionFilter implements GlobalFilter, Ordered {
  static final int ORDER = ReactiveLoadBalancerClientFilter.LOAD_BALANCER_CLIENT_FILTER_ORDER + 1;

  @Override
  public int getOrder() {
    return ORDER;
  }

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
    Response<?> response = exchange.getAttribute(GATEWAY_LOADBALANCER_RESPONSE_ATTR);
    if (response == null || !(response.getServer() instanceof LbkitServiceInstance)) {
      return chain.filter(exchange);
    }
    LbkitServiceInstance instance = (LbkitServiceInstance) response.getServer();
    Server server = instance.server();
    Balancer balancer = instance.balancer();
    exchange.getAttributes().put(GatewayAttributes.SELECTED, instance);
    if (exchange.getAttributes().putIfAbsent(GatewayAttributes.COOKIE_HOOK, Boolean.TRUE) == null) {
      exchange.getResponse().beforeCommit(() -> {
        addCookies(exchange);
        return Mono.empty();
      });
    }
    // without GatewayRetryFilter's mark, Spring Cloud's lifecycle (LbkitLoadBalancerLifecycle) counts it
    boolean counted = exchange.getAttributes().containsKey(LbkitLoadBalancerLifecycle.GATEWAY_EXCHANGE_ATTRIBUTE);
    if (counted) {
      server.stats().requestStarted();
      exchange.getAttributes().put(GatewayAttributes.IN_FLIGHT, server);
    }
    return chain.filter(forwarded(exchange, balancer))
        .doOnSuccess(done -> {
          exchange.getAttributes().put(GatewayAttributes.RESPONDED, instance);
          if (counted) {
            balancer.group().recordRequestSuccess(server);
          }
        })
        .doOnError(error -> {
          if (counted) {
            GatewayAttributes.endInFlight(exchange, server);
            if (Failures.isServerFailure(error)) {
              balancer.group().recordRequestFailure(server, Failures.describe(error));
            }
          }
        });
  }

  /** The exchange with the {@code Cookie} lines the server should see; the same exchange when nothing changes. */
  private static ServerWebExchange forwarded(ServerWebExchange exchange, Balancer balancer) {
    List<String> lines = exchange.getRequest().getHeaders().get(HttpHeaders.COOKIE);
    if (lines == null || lines.isEmpty()) {
      return exchange;
    }
    List<String> forwarded = null;
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      String kept = balancer.forwardedCookieHeader(line);
      if (forwarded == null && kept != line) {
        forwarded = new ArrayList<>(lines.subList(0, i));
      }
      if (forwarded != null && kept != null) {
        forwarded.add(kept);
      }
    }
    if (forwarded == null) {
      return exchange;
    }
    List<String> cookies = forwarded;
    return exchange.mutate().request(r -> r.headers(h -> {
      if (cookies.isEmpty()) {
        h.remove(HttpHeaders.COOKIE);
      } else {
        h.put(HttpHeaders.COOKIE, cookies);
      }
    })).build();
  }

  /** Before the response is committed: the backend's cookies through the balancer, then lbkit's own. */
  private static void addCookies(ServerWebExchange exchange) {
    Object responded = exchange.getAttribute(GatewayAttributes.RESPONDED);
    if (!(responded instanceof LbkitServiceInstance)) {
      return; // no server answered (every one failed): no cookie for a server that did not serve
    }
    LbkitServiceInstance instance = (LbkitServiceInstance) responded;
    Selection selection = instance.selection();
    ServerHttpResponse response = exchange.getResponse();
    HttpHeaders headers = response.getHeaders();
    List<String> backendCookies = headers.get(HttpHeaders.SET_COOKIE);
    if (backendCookies != null && !backendCookies.isEmpty()) {
      List<String> passed = new ArrayList<>(backendCookies.size() + 1);
      for (String cookie : backendCookies) {
        String value = instance.balancer().backendSetCookie(selection, cookie);
        if (value != null) {
          passed.add(value);
        }
      }
      headers.put(HttpHeaders.SET_COOKIE, passed);
    }
    if (selection.setCookie() != null) {
      headers.add(HttpHeaders.SET_COOKIE, selection.setCookie());
      if (instance.balancer().cookieNocache()) {
        // cookie-nocache: keep the server's directives, add private (as the filter does)
        headers.set(HttpHeaders.CACHE_CONTROL, ProxyHeaders.withPrivate(headers.get(HttpHeaders.CACHE_CONTROL)));
      }
    }
  }
}
