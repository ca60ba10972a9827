package io.lbkit.peers.hazelcast;

import io.lbkit.core.Endpoint;
import io.lbkit.core.RequestView;
import io.lbkit.core.Selection;
import io.lbkit.core.ServerGroup;
import io.lbkit.session.StickTableBalancer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;

/**
 * One lbkit instance of a test: a server group over the same three backends (each instance in its
 * own slot order, so routing by slot would fail), a stick table on {@code JSESSIONID}, and a
 * Hazelcast member (or client) on 127.0.0.1.
 */
final class Instance implements AutoCloseable {
  static final List<Endpoint> BACKENDS = List.of(
      Endpoint.parse("127.0.0.2:8080"), Endpoint.parse("127.0.0.3:8080"), Endpoint.parse("127.0.0.4:8080"));

  final String name;
  final ServerGroup group;
  final StickTableBalancer balancer;
  final HazelcastStickStore store;

  Instance(String name, HazelcastStickStore.Builder peers, int rotate, long size, Duration expire,
      io.lbkit.core.Ticker ticker) {
    this.name = name;
    ServerGroup.Builder g = ServerGroup.builder("be").slots("app", 3);
    if (ticker != null) {
      g.ticker(ticker);
    }
    this.group = g.build();
    List<Endpoint> order = new java.util.ArrayList<>(BACKENDS);
    java.util.Collections.rotate(order, rotate);
    group.setEndpoints(order);
    this.balancer = StickTableBalancer.builder().stickOn("JSESSIONID").stickTableSize(size)
        .stickTableExpire(expire).stickStore(peers).build(group);
    this.store = (HazelcastStickStore) balancer.stickStore();
  }

  /**
   * A member listening on 127.0.0.1:{@code port}, finding its peers at {@code peerPorts}. Lookups
   * may wait 1s: on a busy 2-core build machine one can take longer than the default 50ms, and a
   * lookup that times out makes the store stop waiting for a second (what the tests would then see
   * is the fail-open path, which {@link DegradedTest} covers on purpose).
   */
  static HazelcastStickStore.Builder member(int port, List<Integer> peerPorts, LongSupplier clock) {
    return HazelcastStickStore.builder().peersName("lbkit-test")
        .peers(peerPorts.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(",")))
        .peerListen("127.0.0.1:" + port).clock(clock).peersTimeout(Duration.ofSeconds(1));
  }

  /** Learns {@code id} as the backend issued it through this instance; returns the backend. */
  Endpoint learn(String id) {
    Selection s = balancer.select(RequestView.EMPTY);
    balancer.backendSetCookie(s, "JSESSIONID=" + id + "; Path=/; HttpOnly");
    return s.server().endpoint();
  }

  /** The backend a request carrying {@code id} goes to. */
  Endpoint route(String id) {
    return balancer.select(RequestView.of("theme=dark; JSESSIONID=" + id)).server().endpoint();
  }

  /** Plays a crash: the member leaves without handing anything over. */
  void crash() {
    store.hazelcast().getLifecycleService().terminate();
    group.close();
  }

  @Override
  public void close() {
    group.close(); // closes the store
  }

  static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
