package io.lbkit.benchmarks;

import io.lbkit.core.Endpoint;
import io.lbkit.peers.hazelcast.HazelcastStickStore;
import io.lbkit.session.StickStore;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * How long an entry learned on instance A takes to be visible to a lookup on instance B: two
 * embedded members in this JVM over loopback TCP; for each of 10,000 new session ids, A stores it
 * and B looks it up until found (each lookup a real get through B's member). Prints p50, p90, p99
 * and the maximum. Not a JMH benchmark: it measures one latency per entry, not a throughput.
 *
 * <pre>java -cp lb-benchmarks/target/benchmarks.jar io.lbkit.benchmarks.PeersPropagation [entries]</pre>
 */
public final class PeersPropagation {
  private PeersPropagation() {}

  public static void main(String[] args) throws Exception {
    int entries = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int pa = freePort();
    int pb = freePort();
    String peers = "127.0.0.1:" + pa + ",127.0.0.1:" + pb;
    StickStore.Spec spec = new StickStore.Spec("bench.JSESSIONID", 1_000_000, Duration.ofMinutes(30), 128, (id, e) -> { });
    try (StickStore a = open(peers, pa, spec); StickStore b = open(peers, pb, spec)) {
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (!b.status().description().equals("2 member(s)") || !a.status().description().equals("2 member(s)")) {
        Fixtures.check(System.nanoTime() - deadline < 0, "the members did not meet: " + b.status());
        Thread.sleep(50); // a main, not a test: waiting for the cluster to form
      }
      List<Endpoint> servers = Fixtures.endpoints(10);
      for (int warm = 0; warm < Math.min(2_000, entries / 5); warm++) { // JIT and connections warm
        measure(a, b, "WARM" + warm, servers.get(warm % 10));
      }
      long[] nanos = new long[entries];
      long started = System.nanoTime();
      for (int n = 0; n < entries; n++) {
        nanos[n] = measure(a, b, StickTableSelect.sessionId(n), servers.get(n % 10));
      }
      long total = System.nanoTime() - started;
      Arrays.sort(nanos);
      System.out.printf("entries %d, A stores then B looks up until found (loopback, 2 members, 1 backup)%n", entries);
      System.out.printf("p50 %s  p90 %s  p99 %s  max %s  (total %.1f s; %s)%n", us(nanos[entries / 2]),
          us(nanos[entries * 90 / 100]), us(nanos[entries * 99 / 100]), us(nanos[entries - 1]), total / 1e9,
          b.status());
    }
  }

  private static long measure(StickStore a, StickStore b, String id, Endpoint server) {
    long t0 = System.nanoTime();
    a.store(id, server);
    while (!server.equals(b.find(id))) {
      Fixtures.check(System.nanoTime() - t0 < Duration.ofSeconds(30).toNanos(), id + " never reached B");
    }
    return System.nanoTime() - t0;
  }

  private static StickStore open(String peers, int port, StickStore.Spec spec) {
    return HazelcastStickStore.builder().peers(peers).peerListen("127.0.0.1:" + port).peersName("lbkit-propagation")
        .peersTimeout(Duration.ofSeconds(5)).open(spec);
  }

  private static String us(long nanos) {
    return String.format("%.0f µs", nanos / 1e3);
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
