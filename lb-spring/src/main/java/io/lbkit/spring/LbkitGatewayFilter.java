package io.lbkit.spring;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_LOADBALANCER_RESPONSE_ATTR;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_SCHEME_PREFIX_ATTR;

import io.lbkit.core.Balancer;
import io.lbkit.core.Selection;
import io.lbkit.core.Server;
import io.lbkit.core.Snapshot;
import io.lbkit.core.TriedServers;
import io.lbkit.proxy.ProxyHeaders;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.cloud.client.loadbalancer.Response;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.ReactiveLoadBalancerClientFilter;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * lbkit's part of an exchange routed to an lbkit service ({@code lb://<id>}), just before the
 * gateway's load-balancer filter (which calls {@link LbkitReactorLoadBalancer}; the attempt's
 * in-flight count and passive-check report are {@link LbkitLoadBalancerLifecycle}'s, called by that
 * filter):
 *
 * <ul>
 *   <li>marks the exchange as the gateway's ({@link GatewayAttributes.Exchange#lbkitRoute});
 *   <li>for a balancer that handles cookies: forwards the request without lbkit's cookie
 *       ({@link Balancer#forwardedCookieHeader}; the balancer still selects from the client's lines,
 *       {@link GatewayAttributes#COOKIE_LINES}), and before the response is committed passes the
 *       backend's {@code Set-Cookie} lines through {@link Balancer#backendSetCookie} and adds the
 *       selection's precomputed {@code Set-Cookie};
 *   <li>when a server refuses the connection (nothing was sent, so any method may go elsewhere),
 *       routes again with the servers tried so far in {@link LbkitReactorLoadBalancer#TRIED_ATTRIBUTE},
 *       so lbkit selects another one ({@code selectOther}); the client sees a failure only when every
 *       usable server refused. A group of one server has nowhere else to go: no retry is set up.
 * </ul>
 *
 * A balancer without cookies (round robin, least connections) costs no header work and no response hook.
 */
final class LbkitGatewayFilter implements GlobalFilter, Ordered {
  /** Just before {@link ReactiveLoadBalancerClientFilter}, so a retry re-runs the choice. */
  static final int ORDER = ReactiveLoadBalancerClientFilter.LOAD_BALANCER_CLIENT_FILTER_ORDER - 1;

  private static final Logger log = LoggerFactory.getLogger(LbkitGatewayFilter.class);

  /** Per service id: its balancer and whether it handles cookies. */
  private final Map<String, Service> services;

  LbkitGatewayFilter(LbkitServices services) {
    Map<String, Service> byId = new HashMap<>();
    services.balancers().forEach((id, balancer) -> byId.put(id, new Service(balancer)));
    this.services = Map.copyOf(byId);
  }

  @Override
  public int getOrder() {
    return ORDER;
  }

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
    URI url = exchange.getAttribute(GATEWAY_REQUEST_URL_ATTR);
    Service service = url == null || url.getHost() == null ? null : services.get(url.getHost());
    if (service == null || !isLoadBalanced(exchange, url)) {
      return chain.filter(exchange);
    }
    GatewayAttributes.Exchange state = GatewayAttributes.stateOrNew(exchange.getAttributes());
    state.lbkitRoute = true;
    ServerWebExchange forwarded = exchange;
    if (service.cookies) {
      exchange.getResponse().beforeCommit(() -> {
        addCookies(exchange);
        return Mono.empty();
      });
      forwarded = forwarded(exchange, service.balancer);
    }
    Mono<Void> routed = service.balancer.group().snapshot().servers().size() > 1
        ? attempt(forwarded, chain, url, service.balancer) : chain.filter(forwarded);
    if (!state.endsAfterBody) {
      // GatewayInFlightFilter did not see an lb:// route (a filter changed the URL): end the count here
      routed = routed.doFinally(signal -> state.endInFlight());
    }
    return routed;
  }

  private static boolean isLoadBalanced(ServerWebExchange exchange, URI url) {
    return "lb".equals(url.getScheme()) || "lb".equals(exchange.getAttribute(GATEWAY_SCHEME_PREFIX_ATTR));
  }

  private Mono<Void> attempt(ServerWebExchange exchange, GatewayFilterChain chain, URI url, Balancer balancer) {
    return chain.filter(exchange).onErrorResume(e -> retry(exchange, chain, url, balancer, e));
  }

  private Mono<Void> retry(ServerWebExchange exchange, GatewayFilterChain chain, URI url, Balancer balancer,
      Throwable error) {
    Object response = exchange.getAttributes().remove(GATEWAY_LOADBALANCER_RESPONSE_ATTR);
    Object selected = response instanceof Response ? ((Response<?>) response).getServer() : null;
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

  /**
   * The exchange with the {@code Cookie} lines the server should see, the client's own kept for the
   * balancer in {@link GatewayAttributes#COOKIE_LINES}; the same exchange when nothing changes.
   */
  private static ServerWebExchange forwarded(ServerWebExchange exchange, Balancer balancer) {
    List<String> lines = Headers.get(exchange.getRequest().getHeaders(), HttpHeaders.COOKIE);
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
    exchange.getAttributes().put(GatewayAttributes.COOKIE_LINES, List.copyOf(lines));
    List<String> cookies = forwarded;
    return exchange.mutate().request(r -> r.headers(h -> {
      if (cookies.isEmpty()) {
        Headers.remove(h, HttpHeaders.COOKIE);
      } else {
        h.put(HttpHeaders.COOKIE, cookies);
      }
    })).build();
  }

  /** Before the response is committed: the backend's cookies through the balancer, then lbkit's own. */
  private static void addCookies(ServerWebExchange exchange) {
    GatewayAttributes.Exchange state = GatewayAttributes.state(exchange.getAttributes());
    LbkitServiceInstance instance = state == null ? null : state.responded;
    if (instance == null) {
      return; // no server answered (every one failed): no cookie for a server that did not serve
    }
    Selection selection = instance.selection();
    HttpHeaders headers = exchange.getResponse().getHeaders();
    List<String> backendCookies = Headers.get(headers, HttpHeaders.SET_COOKIE);
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
        headers.set(HttpHeaders.CACHE_CONTROL, ProxyHeaders.withPrivate(Headers.get(headers, HttpHeaders.CACHE_CONTROL)));
      }
    }
  }

  /** A service's balancer, and whether it handles cookies (it overrides one of Balancer's cookie methods). */
  private static final class Service {
    final Balancer balancer;
    final boolean cookies;

    Service(Balancer balancer) {
      this.balancer = balancer;
      this.cookies = overrides(balancer, "forwardedCookieHeader", String.class)
          || overrides(balancer, "backendSetCookie", Selection.class, String.class)
          || overrides(balancer, "cookieNocache") || overrides(balancer, "cookieValue", Server.class);
    }

    private static boolean overrides(Balancer balancer, String method, Class<?>... parameters) {
      try {
        return balancer.getClass().getMethod(method, parameters).getDeclaringClass() != Balancer.class;
      } catch (NoSuchMethodException e) {
        return true; // cannot tell: handle cookies
      }
    }
  }
}
