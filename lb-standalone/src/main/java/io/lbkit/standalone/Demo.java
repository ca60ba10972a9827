package io.lbkit.standalone;

import io.lbkit.testkit.Effect;
import io.lbkit.testkit.TestDnsServer;
import io.lbkit.testkit.WhoamiServer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The article's Docker Swarm, in one process: a DNS server answering {@value #SERVICE} (one A record
 * per replica) and {@value #SRV_NAME} (SRV), and the replicas, whoami HTTP servers
 * {@code whoami-K} on {@code 127.0.0.(K+1)}. {@link #scale} does what {@code docker service scale}
 * did: new replicas start before DNS names them; removed ones leave DNS before they stop.
 */
final class Demo implements AutoCloseable {
  static final String SERVICE = "tasks.whoami";
  static final String SRV_NAME = "_http._tcp.tasks.whoami";
  /** The article's {@code dynamic-cookie-key}. */
  static final String COOKIE_KEY = "njqWdVKWfG";
  static final String COOKIE = "SRVID";
  static final String STATS_URI = "/my-stats";

  private static final Logger log = LoggerFactory.getLogger(Demo.class);

  /** One replica: its name ({@code Hostname:} line), address and port. */
  record Replica(String name, String ip, int port) {
    String authority() {
      return ip + ":" + port;
    }

    @Override
    public String toString() {
      return name + " " + authority();
    }
  }

  private final TestDnsServer dns;
  private final int port;
  private final TreeMap<Integer, WhoamiServer> replicas = new TreeMap<>();

  private Demo(TestDnsServer dns, int port) {
    this.dns = dns;
    this.port = port;
  }

  /** Starts the DNS server and {@code count} replicas on {@code port}. */
  static Demo start(int count, int port) throws StandaloneServer.StartException {
    Demo demo = new Demo(TestDnsServer.start(), port);
    try {
      demo.scale(count);
      return demo;
    } catch (StandaloneServer.StartException e) {
      demo.close();
      throw e;
    }
  }

  /** The DNS server, {@code 127.0.0.1:port}, as a {@code nameserver} value. */
  String nameserver() {
    return dns.nameserver();
  }

  int dnsPort() {
    return dns.port();
  }

  int port() {
    return port;
  }

  /**
   * The article's balancer settings (its {@code resolvers}, {@code defaults} and
   * {@code backend} sections) as filter init-params.
   */
  Map<String, String> balancerParams() {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("name", "be_whoami_service");
    p.put("backend", SERVICE + ":" + port);
    p.put("nameserver", nameserver());
    p.put("server-prefix", "whoami");
    p.put("slots", "5");
    p.put("resolve-retries", "3");
    p.put("timeout-resolve", "1s");
    p.put("timeout-retry", "1s");
    for (String hold : List.of("hold-other", "hold-refused", "hold-nx", "hold-timeout", "hold-valid",
        "hold-obsolete")) {
      p.put(hold, "10s");
    }
    p.put("check", "tcp");
    p.put("cookie", COOKIE);
    p.put("cookie-key", COOKIE_KEY);
    p.put("timeout-connect", "10s");
    p.put("timeout-client", "30s");
    p.put("timeout-server", "120s");
    p.put("forwardfor", "on");
    p.put("stats-uri", STATS_URI);
    p.put("stats-refresh", "5s");
    return p;
  }

  /** The replicas now, in order. */
  synchronized List<Replica> replicas() {
    List<Replica> list = new ArrayList<>();
    for (Map.Entry<Integer, WhoamiServer> e : replicas.entrySet()) {
      list.add(replica(e.getKey()));
    }
    return list;
  }

  /**
   * Sets the number of replicas, as {@code docker service scale whoami=N}: starts the missing ones
   * (then publishes them in DNS) or removes the last ones from DNS (then stops them).
   *
   * @throws StandaloneServer.StartException when a new replica cannot listen (its port is taken);
   *     the replicas started by this call are stopped again and DNS is unchanged
   */
  synchronized List<Replica> scale(int count) throws StandaloneServer.StartException {
    if (count < 0 || count > Cli.MAX_REPLICAS) {
      throw new IllegalArgumentException("replicas: " + count + " (expected: 0.." + Cli.MAX_REPLICAS + ")");
    }
    int before = replicas.size();
    List<Integer> started = new ArrayList<>();
    for (int k = before + 1; k <= count; k++) {
      Replica r = replica(k);
      try {
        // keeps no request log: a demo (or a soak) serving for hours would keep every request
        replicas.put(k, WhoamiServer.start(r.name(), r.ip(), port).keepRequests(false));
        started.add(k);
      } catch (IOException e) {
        for (int s : started) {
          replicas.remove(s).close();
        }
        throw new StandaloneServer.StartException("demo: replica " + r.name() + " cannot listen on "
            + r.authority() + " (" + e.getMessage() + "; is another demo running? choose another port with"
            + " --demo-port)");
      }
    }
    List<WhoamiServer> leaving = new ArrayList<>();
    while (replicas.size() > count) {
      leaving.add(replicas.pollLastEntry().getValue());
    }
    publish();
    for (WhoamiServer w : leaving) {
      w.close();
    }
    if (before != count) {
      log.info("whoami scaled {} -> {}: {}", before, count, replicas());
    }
    return replicas();
  }

  /**
   * Failure drills for the soak harness ({@code POST /demo/replica}): {@code kill} makes replica
   * {@code name} refuse connections and drops the open ones at once, as a crashed container,
   * while DNS still names it; {@code stall} makes it read requests and never answer;
   * {@code revive} makes it listen and answer again.
   *
   * @throws IllegalArgumentException naming {@code name} or {@code action} when there is no such
   *     replica or action
   */
  synchronized Replica drill(String name, String action) throws IOException {
    Map.Entry<Integer, WhoamiServer> found = null;
    for (Map.Entry<Integer, WhoamiServer> e : replicas.entrySet()) {
      if (e.getValue().name().equals(name)) {
        found = e;
      }
    }
    if (found == null) {
      throw new IllegalArgumentException("name: '" + name + "' (expected: a replica now running, one of "
          + replicas() + ")");
    }
    WhoamiServer w = found.getValue();
    switch (action) {
      case "kill":
        w.stop();
        break;
      case "stall":
        w.effect(Effect.STALL);
        break;
      case "revive":
        w.effect(Effect.NORMAL);
        w.restart();
        break;
      default:
        throw new IllegalArgumentException("action: '" + action + "' (expected: kill, stall or revive)");
    }
    log.info("{}: {}", name, action);
    return replica(found.getKey());
  }

  /** Makes the demo's DNS server silent (no answer to any query) or answer again ({@code POST /demo/dns}). */
  void dnsSilent(boolean silent) {
    dns.setSilent(silent);
    log.info("DNS server {}", silent ? "silent" : "answering again");
  }

  private void publish() {
    List<String> ips = new ArrayList<>();
    List<TestDnsServer.Srv> srv = new ArrayList<>();
    for (int k = 1; k <= Cli.MAX_REPLICAS; k++) {
      String target = "whoami-" + k + "." + SERVICE;
      if (replicas.containsKey(k)) {
        Replica r = replica(k);
        ips.add(r.ip());
        srv.add(TestDnsServer.srv(10, 10, port, target));
        dns.setA(target, r.ip());
      } else {
        dns.remove(target);
      }
    }
    dns.setA(SERVICE, ips.toArray(new String[0]));
    dns.setSrv(SRV_NAME, srv.toArray(new TestDnsServer.Srv[0]));
  }

  private Replica replica(int k) {
    return new Replica("whoami-" + k, "127.0.0." + (k + 1), port);
  }

  @Override
  public synchronized void close() {
    for (WhoamiServer w : replicas.values()) {
      w.close();
    }
    replicas.clear();
    dns.close();
  }
}
