package io.lbkit.benchmarks;

import io.lbkit.balance.RoundRobinBalancer;
import io.lbkit.core.Endpoint;
import io.lbkit.core.RequestView;
import io.lbkit.core.Selection;
import io.lbkit.core.ServerGroup;
import io.lbkit.spring.BenchmarkAccess;
import io.lbkit.spring.LbkitServiceInstance;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.Request;
import org.springframework.cloud.client.loadbalancer.RequestDataContext;
import org.springframework.cloud.loadbalancer.core.ReactorServiceInstanceLoadBalancer;
import org.springframework.cloud.loadbalancer.core.RoundRobinLoadBalancer;
import org.springframework.cloud.loadbalancer.support.ServiceInstanceListSuppliers;

/**
 * One Spring Cloud LoadBalancer {@code choose()} of a round robin over {@value #SERVERS}
 * instances, as Spring Cloud Gateway's load-balancer filter calls it for an {@code lb://} route:
 * with the exchange's request (headers, a ~250-character {@code Cookie} line of 5 cookies that name
 * no server, its parsed cookies) and a subscriber taking the chosen instance from the {@code Mono}.
 *
 * <ul>
 *   <li>{@code lbkit}: lb-spring's {@code LbkitReactorLoadBalancer} over a {@link RoundRobinBalancer}
 *       (what {@code lbkit.services.<id>.backend=...} registers).
 *   <li>{@code lbkitSelect}: the {@link RoundRobinBalancer#select} underneath, on a precomputed
 *       {@link RequestView} of the same header: the part that is lbkit's own.
 *   <li>{@code springCloud}: Spring Cloud's default, {@link RoundRobinLoadBalancer}, over a fixed
 *       instance list ({@code ServiceInstanceListSuppliers.from}: the cheapest supplier there is;
 *       an application's discovery and caching suppliers only add to it).
 * </ul>
 *
 * <pre>java -jar lb-benchmarks/target/benchmarks.jar SpringChoose -prof gc</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SpringChoose {
  static final int SERVERS = 3;
  static final String SERVICE = "bench";

  private ServerGroup group;
  private RoundRobinBalancer balancer;
  private ReactorServiceInstanceLoadBalancer lbkit;
  private RoundRobinLoadBalancer springCloud;
  private Request<RequestDataContext>[] requests;
  private RequestView[] views;

  /** The input cursor and the subscriber, one per thread. */
  @State(Scope.Thread)
  public static class PerThread {
    int i;
    final SpringRequests.Picked picked = new SpringRequests.Picked();
  }

  @Setup(Level.Trial)
  @SuppressWarnings("unchecked")
  public void setUp() {
    List<Endpoint> endpoints = Fixtures.endpoints(SERVERS);
    group = ServerGroup.builder(SERVICE).endpoints(endpoints).build();
    balancer = RoundRobinBalancer.create(group);
    lbkit = BenchmarkAccess.loadBalancer(SERVICE, balancer);
    springCloud = new RoundRobinLoadBalancer(ServiceInstanceListSuppliers.toProvider(SERVICE, instances(endpoints)), SERVICE);

    requests = new Request[Fixtures.INPUTS];
    views = new RequestView[Fixtures.INPUTS];
    for (int i = 0; i < Fixtures.INPUTS; i++) {
      String header = StickySelect.cookieHeader(i, "-").replace("; SRVID=-", "");
      requests[i] = SpringRequests.request(header);
      views[i] = RequestView.of(header);
    }

    // each must rotate over all instances, and lbkit's must be lb-spring's instance with its selection
    PerThread t = new PerThread();
    Set<String> lbkitSeen = new HashSet<>();
    Set<String> selectSeen = new HashSet<>();
    Set<String> springSeen = new HashSet<>();
    for (int i = 0; i < SERVERS; i++) {
      ServiceInstance chosen = lbkit(t);
      Fixtures.check(chosen instanceof LbkitServiceInstance, "lbkit: chose " + chosen + " (expected: an LbkitServiceInstance)");
      lbkitSeen.add(chosen.getHost());
      selectSeen.add(lbkitSelect(t).address());
      springSeen.add(springCloud(t).getHost());
    }
    Fixtures.check(lbkitSeen.size() == SERVERS, "lbkit: " + SERVERS + " choices reached " + lbkitSeen);
    Fixtures.check(selectSeen.size() == SERVERS, "lbkitSelect: " + SERVERS + " selections reached " + selectSeen);
    Fixtures.check(springSeen.size() == SERVERS, "springCloud: " + SERVERS + " choices reached " + springSeen);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    group.close();
  }

  @Benchmark
  public ServiceInstance lbkit(PerThread t) {
    return t.picked.take(lbkit.choose(requests[t.i++ & Fixtures.MASK]));
  }

  @Benchmark
  public Selection lbkitSelect(PerThread t) {
    return balancer.select(views[t.i++ & Fixtures.MASK]);
  }

  @Benchmark
  public ServiceInstance springCloud(PerThread t) {
    return t.picked.take(springCloud.choose(requests[t.i++ & Fixtures.MASK]));
  }

  /** Spring Cloud's instances for the same endpoints, in the same order. */
  static ServiceInstance[] instances(List<Endpoint> endpoints) {
    ServiceInstance[] instances = new ServiceInstance[endpoints.size()];
    for (int i = 0; i < instances.length; i++) {
      Endpoint e = endpoints.get(i);
      instances[i] = new DefaultServiceInstance(SERVICE + (i + 1), SERVICE, e.ipAddress(), e.port(), false);
    }
    return instances;
  }
}
