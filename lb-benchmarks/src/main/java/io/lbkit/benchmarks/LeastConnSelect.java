package io.lbkit.benchmarks;

import com.netflix.loadbalancer.BaseLoadBalancer;
import com.netflix.loadbalancer.BestAvailableRule;
import io.lbkit.balance.LeastConnectionsBalancer;
import io.lbkit.core.Endpoint;
import io.lbkit.core.RequestView;
import io.lbkit.core.Selection;
import io.lbkit.core.Server;
import io.lbkit.core.ServerGroup;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
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

/**
 * One least-connections pick with requests in flight (server i has {@code i % 4} of them, so the
 * idle quarter ties and takes turns):
 *
 * <ul>
 *   <li>{@code lbkit}: {@link LeastConnectionsBalancer#select} ({@code balance=leastconn}).
 *   <li>{@code ribbon}: {@code BaseLoadBalancer} with {@code BestAvailableRule} (fewest active
 *       requests, skipping tripped circuit breakers), {@code chooseServer}.
 * </ul>
 * Armeria and Spring Cloud LoadBalancer have no least-connections strategy to compare. Only the
 * pick is measured: the in-flight counts stay as set up.
 *
 * <pre>java -jar lb-benchmarks/target/benchmarks.jar LeastConnSelect -prof gc</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class LeastConnSelect {
  @Param({"3", "100"})
  int servers;

  private ServerGroup group;
  private LeastConnectionsBalancer lbkit;
  private BaseLoadBalancer ribbon;

  @Setup(Level.Trial)
  public void setUp() {
    List<Endpoint> endpoints = Fixtures.endpoints(servers);
    group = ServerGroup.builder("bench").endpoints(endpoints).build();
    lbkit = LeastConnectionsBalancer.create(group);
    List<Server> usable = group.snapshot().usable();
    List<com.netflix.loadbalancer.Server> ribbonServers = new ArrayList<>();
    for (Endpoint e : endpoints) {
      ribbonServers.add(new com.netflix.loadbalancer.Server(e.ipAddress(), e.port()));
    }
    ribbon = new BaseLoadBalancer();
    ribbon.setRule(new BestAvailableRule());
    ribbon.addServers(ribbonServers);
    for (int i = 0; i < servers; i++) {
      for (int k = 0; k < i % 4; k++) {
        usable.get(i).stats().requestStarted();
        ribbon.getLoadBalancerStats().getSingleServerStat(ribbonServers.get(i)).incrementActiveRequestsCount();
      }
    }
    // both must pick only idle servers, or the comparison means nothing
    for (int i = 0; i < 8; i++) {
      Server s = lbkit().server();
      Fixtures.check(s.stats().active() == 0, "lbkit picked a busy server: " + s);
      com.netflix.loadbalancer.Server r = ribbon();
      Fixtures.check(ribbonServers.indexOf(r) % 4 == 0, "ribbon picked a busy server: " + r);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    ribbon.shutdown();
    group.close();
  }

  @Benchmark
  public Selection lbkit() {
    return lbkit.select(RequestView.EMPTY);
  }

  @Benchmark
  public com.netflix.loadbalancer.Server ribbon() {
    return ribbon.chooseServer(null);
  }
}
