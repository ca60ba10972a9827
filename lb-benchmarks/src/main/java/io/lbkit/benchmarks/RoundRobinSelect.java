package io.lbkit.benchmarks;

import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.client.endpoint.EndpointGroup;
import com.linecorp.armeria.client.endpoint.EndpointSelectionStrategy;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.netflix.loadbalancer.BaseLoadBalancer;
import com.netflix.loadbalancer.RoundRobinRule;
import io.lbkit.balance.RoundRobinBalancer;
import io.lbkit.core.Endpoint;
import io.lbkit.core.RequestView;
import io.lbkit.core.Selection;
import io.lbkit.core.ServerGroup;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.Response;
import org.springframework.cloud.loadbalancer.core.RoundRobinLoadBalancer;
import org.springframework.cloud.loadbalancer.support.ServiceInstanceListSuppliers;

/**
 * One round-robin selection from a static list of equal-weight servers, by each implementation.
 * The balancer is shared by all benchmark threads ({@code Scope.Benchmark}), as a gateway shares
 * it among its request threads; run at 1 and 2 threads to see the counter under contention.
 *
 * <ul>
 *   <li>{@code lbkit}: {@link RoundRobinBalancer#select} over a {@link ServerGroup}.
 *   <li>{@code armeria}: {@code EndpointGroup.of(EndpointSelectionStrategy.roundRobin(), ...)}
 *       and {@code selectNow(ctx)}, with a client request context made per thread in setup.
 *   <li>{@code springCloud}: {@code RoundRobinLoadBalancer.choose().block()}, as a blocking caller
 *       (a servlet filter, a RestTemplate interceptor) has to use it.
 *   <li>{@code ribbon}: {@code BaseLoadBalancer} with {@code RoundRobinRule}, {@code chooseServer}.
 * </ul>
 *
 * <p>Round robin takes no per-request input, so there is no input array here: each method makes
 * the call a gateway makes per request and returns what it gets.
 *
 * <pre>java -jar lb-benchmarks/target/benchmarks.jar RoundRobinSelect -t 2 -prof gc</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RoundRobinSelect {
  @Param({"3", "100"})
  int servers;

  private ServerGroup group;
  private RoundRobinBalancer lbkit;
  private EndpointGroup armeria;
  private RoundRobinLoadBalancer springCloud;
  private BaseLoadBalancer ribbon;

  /** Per-thread request state: Armeria needs a request context to select. */
  @State(Scope.Thread)
  public static class PerThread {
    ClientRequestContext armeriaContext;

    @Setup(Level.Trial)
    public void setUp() {
      armeriaContext = ClientRequestContext.of(HttpRequest.of(HttpMethod.GET, "/"));
    }
  }

  @Setup(Level.Trial)
  public void setUp() {
    List<Endpoint> endpoints = Fixtures.endpoints(servers);

    group = ServerGroup.builder("bench").endpoints(endpoints).build();
    lbkit = RoundRobinBalancer.create(group);

    List<com.linecorp.armeria.client.Endpoint> armeriaEndpoints = new ArrayList<>();
    List<ServiceInstance> springInstances = new ArrayList<>();
    List<com.netflix.loadbalancer.Server> ribbonServers = new ArrayList<>();
    for (int i = 0; i < endpoints.size(); i++) {
      Endpoint e = endpoints.get(i);
      armeriaEndpoints.add(com.linecorp.armeria.client.Endpoint.of(e.ipAddress(), e.port()));
      springInstances.add(new DefaultServiceInstance("bench-" + i, "bench", e.ipAddress(), e.port(), false));
      ribbonServers.add(new com.netflix.loadbalancer.Server(e.ipAddress(), e.port()));
    }
    armeria = EndpointGroup.of(EndpointSelectionStrategy.roundRobin(), armeriaEndpoints);
    springCloud = new RoundRobinLoadBalancer(
        ServiceInstanceListSuppliers.toProvider("bench", springInstances.toArray(new ServiceInstance[0])), "bench");
    ribbon = new BaseLoadBalancer();
    ribbon.setRule(new RoundRobinRule());
    ribbon.addServers(ribbonServers);

    // each must really rotate over all servers, or the comparison means nothing
    PerThread t = new PerThread();
    t.setUp();
    checkRotation("lbkit", () -> lbkit(), s -> ((Selection) s).address());
    checkRotation("armeria", () -> armeria(t), s -> ((com.linecorp.armeria.client.Endpoint) s).host());
    checkRotation("springCloud", () -> springCloud(), s -> ((ServiceInstance) s).getHost());
    checkRotation("ribbon", () -> ribbon(), s -> ((com.netflix.loadbalancer.Server) s).getHost());
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    ribbon.shutdown();
    armeria.close();
    group.close();
  }

  @Benchmark
  public Selection lbkit() {
    return lbkit.select(RequestView.EMPTY);
  }

  @Benchmark
  public com.linecorp.armeria.client.Endpoint armeria(PerThread t) {
    return armeria.selectNow(t.armeriaContext);
  }

  @Benchmark
  public ServiceInstance springCloud() {
    Response<ServiceInstance> response = springCloud.choose().block();
    return response.getServer();
  }

  @Benchmark
  public com.netflix.loadbalancer.Server ribbon() {
    return ribbon.chooseServer(null);
  }

  private void checkRotation(String name, Supplier<Object> select, java.util.function.Function<Object, String> host) {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < servers; i++) {
      seen.add(host.apply(select.get()));
    }
    Fixtures.check(seen.size() == servers, name + ": " + servers + " selections reached " + seen.size()
        + " distinct servers (expected: " + servers + ")");
  }
}
