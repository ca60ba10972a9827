package io.lbkit.benchmarks;

import io.lbkit.balance.RoundRobinBalancer;
import io.lbkit.cookie.StickyCookieBalancer;
import io.lbkit.core.RequestView;
import io.lbkit.core.Selection;
import io.lbkit.core.ServerGroup;
import io.lbkit.core.Snapshot;
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
 * Publishing a new snapshot of a group of {@code servers} servers, with what a sticky deployment
 * attaches to it: a {@link StickyCookieBalancer} (SipHash cookies, over its own round-robin
 * fallback) and a plain {@link RoundRobinBalancer}. Each operation toggles one server's
 * maintenance flag, so the group publishes a full new snapshot and every balancer rebuilds its
 * tables: the usable lists, the round-robin schedule, the cookie table and every server's
 * {@code Set-Cookie} string. Cookie values of servers that stay are reused, as in production; the
 * toggled server's value is computed again when it comes back.
 *
 * <p>Single-threaded: group changes are serialized by design.
 *
 * <pre>java -jar lb-benchmarks/target/benchmarks.jar SnapshotRebuild -prof gc</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SnapshotRebuild {
  @Param({"10", "1000", "10000"})
  int servers;

  private ServerGroup group;
  private StickyCookieBalancer sticky;
  private RoundRobinBalancer roundRobin;
  private String toggled;
  private boolean maintenance;

  @Setup(Level.Trial)
  public void setUp() {
    // up to 10,000 servers: above the default max-servers (256), so the cap is raised to the count
    group = ServerGroup.builder("bench").maxServers(servers).endpoints(Fixtures.endpoints(servers)).build();
    sticky = StickyCookieBalancer.builder().cookieKey(Fixtures.COOKIE_KEY).build(group);
    roundRobin = RoundRobinBalancer.create(group);
    toggled = group.snapshot().servers().get(servers / 2).name();

    // a toggle must publish a snapshot and reach the balancers' tables
    long version = group.snapshot().version();
    lbkit();
    Fixtures.check(group.snapshot().version() == version + 1, "toggling maintenance did not publish a snapshot");
    Fixtures.check(group.snapshot().usable().size() == servers - 1, "the toggled server is still usable");
    lbkit();
    Selection s = sticky.select(RequestView.EMPTY);
    Fixtures.check(s.setCookie() != null, "sticky balancer has no Set-Cookie after a rebuild");
    Fixtures.check(roundRobin.next() != null, "round robin has no server after a rebuild");
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    group.close();
  }

  @Benchmark
  public Snapshot lbkit() {
    maintenance = !maintenance;
    group.setMaintenance(toggled, maintenance);
    return group.snapshot();
  }
}
