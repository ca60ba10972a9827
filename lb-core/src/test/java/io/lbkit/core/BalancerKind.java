package io.lbkit.core;

import io.lbkit.balance.LeastConnectionsBalancer;
import io.lbkit.balance.RoundRobinBalancer;
import io.lbkit.cookie.StickyCookieBalancer;
import java.util.function.Function;

/**
 * The balancers an engine's retry tests run through, each made over a given group: round robin,
 * least connections and a sticky cookie. Shared by the engines' tests (lb-core's test-jar).
 */
public enum BalancerKind {
  ROUNDROBIN(RoundRobinBalancer::create),
  LEASTCONN(LeastConnectionsBalancer::create),
  COOKIE(g -> StickyCookieBalancer.builder().cookie("SERVERID").cookieKey("k1").build(g));

  private final Function<ServerGroup, Balancer> create;

  BalancerKind(Function<ServerGroup, Balancer> create) {
    this.create = create;
  }

  /** A balancer of this kind over {@code group}. */
  public Balancer create(ServerGroup group) {
    return create.apply(group);
  }
}
