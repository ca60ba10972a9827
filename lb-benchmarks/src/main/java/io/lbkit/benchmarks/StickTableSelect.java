package io.lbkit.benchmarks;

import io.lbkit.core.RequestView;
import io.lbkit.core.Selection;
import io.lbkit.core.Server;
import io.lbkit.core.ServerGroup;
import io.lbkit.session.RouteSuffixBalancer;
import io.lbkit.session.StickTableBalancer;
import java.util.List;
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

/**
 * From a request's raw {@code Cookie} header to the server its application session lives on: a
 * header of about 300 characters with 6 cookies, the {@code JSESSIONID} (a 32-character id) 3rd.
 *
 * <ul>
 *   <li>{@code stickTable}: {@link StickTableBalancer} ({@code stick-on JSESSIONID}) with
 *       {@value #SESSIONS} learned sessions; one Caffeine lookup of the id, which has to be cut
 *       out of the header as a string (the only allocation).
 *   <li>{@code routeSuffix}: {@link RouteSuffixBalancer}, the id ending in {@code .<jvmRoute>};
 *       the suffix is compared in place with the known routes.
 * </ul>
 *
 * <p>Setup checks that every input reaches its server through the session (never the fallback).
 *
 * <pre>java -jar lb-benchmarks/target/benchmarks.jar StickTableSelect -prof gc</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class StickTableSelect {
  static final int SERVERS = 10;
  static final int SESSIONS = 100_000;

  private ServerGroup group;
  private StickTableBalancer stickTable;
  private RouteSuffixBalancer routeSuffix;
  private RequestView[] tableInputs;
  private RequestView[] routeInputs;

  /** The input cursor, one per thread. */
  @State(Scope.Thread)
  public static class Cursor {
    int i;
  }

  @Setup(Level.Trial)
  public void setUp() {
    group = ServerGroup.builder("bench").endpoints(Fixtures.endpoints(SERVERS)).build();
    List<Server> servers = group.snapshot().usable();
    stickTable = StickTableBalancer.builder().stickOn("JSESSIONID").build(group);
    RouteSuffixBalancer.Builder routes = RouteSuffixBalancer.builder().learn(false);
    for (int s = 0; s < SERVERS; s++) {
      routes.route("node" + s, servers.get(s).name());
    }
    routeSuffix = routes.build(group);

    for (int n = 0; n < SESSIONS; n++) { // learned from the servers' Set-Cookie, as in production
      stickTable.backendSetCookie(new Selection(servers.get(n % SERVERS), null), "JSESSIONID=" + sessionId(n) + "; Path=/");
    }
    tableInputs = new RequestView[Fixtures.INPUTS];
    routeInputs = new RequestView[Fixtures.INPUTS];
    for (int i = 0; i < Fixtures.INPUTS; i++) {
      int session = (int) (i * 97L % SESSIONS);
      Server expected = servers.get(session % SERVERS);
      tableInputs[i] = RequestView.of(header(i, sessionId(session)), "192.0.2.1");
      routeInputs[i] = RequestView.of(header(i, sessionId(session).substring(0, 26) + ".node" + (session % SERVERS)), "192.0.2.1");
      Fixtures.check(stickTable.select(tableInputs[i]).server() == expected, "stickTable: input " + i + " misses " + expected);
      Fixtures.check(routeSuffix.select(routeInputs[i]).server() == expected, "routeSuffix: input " + i + " misses " + expected);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    group.close();
  }

  @Benchmark
  public Selection stickTable(Cursor c) {
    return stickTable.select(tableInputs[c.i++ & Fixtures.MASK]);
  }

  @Benchmark
  public Selection routeSuffix(Cursor c) {
    return routeSuffix.select(routeInputs[c.i++ & Fixtures.MASK]);
  }

  /** A 32-character upper-case hex id, as Tomcat makes them. */
  static String sessionId(int n) {
    long x = n * 0x9E3779B97F4A7C15L + 0x632BE59BD9B4E019L;
    return String.format("%016X%016X", x, Long.rotateLeft(x, 29) ^ 0x5DEECE66DL);
  }

  /** A browser-like header: 6 cookies, the session 3rd. */
  static String header(int i, String session) {
    String n = String.format("%010d", 1_000_000_007L * (i + 1) % 10_000_000_000L);
    return "_ga=GA1.2." + n + ".1732867200"
        + "; _gid=GA1.2." + new StringBuilder(n).reverse() + ".1732867200"
        + "; JSESSIONID=" + session
        + "; theme=dark"
        + "; csrftoken=" + sessionId(i).toLowerCase() + sessionId(i + 1).toLowerCase()
        + "; prefs=lang%3Den-US%26tz%3DEurope%252FBerlin%26theme%3Ddark%26list%3Dcompact%26n%3D" + (i % 97);
  }
}
