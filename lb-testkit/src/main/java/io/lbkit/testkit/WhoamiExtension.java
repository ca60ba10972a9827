package io.lbkit.testkit;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/**
 * Whoami backends for a JUnit 5 test: one {@link WhoamiServer} per address, named
 * {@code whoami1}, {@code whoami2}, ... in order, each on an ephemeral port.
 *
 * <pre>{@code
 * @RegisterExtension
 * final WhoamiExtension backends = WhoamiExtension.on("127.0.0.2", "127.0.0.3");
 *
 * @Test
 * void balances() {
 *   String list = backends.authorities(); // "127.0.0.2:41234,127.0.0.3:39871"
 *   backends.get(1).effect(Effect.STALL);
 * }
 * }</pre>
 *
 * On an instance field the servers start before each test and close after it; on a static field
 * they start once before all tests of the class and close after the last one, so the tests share
 * them: a test that changes a server ({@link WhoamiServer#effect}, {@link WhoamiServer#stop()})
 * should put it back. Outside JUnit, {@link #start()} and {@link #close()} do the same by hand.
 * Servers added with {@link #add} close with the others.
 */
public final class WhoamiExtension extends ScopedResource {
  private final List<String> addresses;
  private final List<WhoamiServer> servers = new CopyOnWriteArrayList<>();
  private volatile String namePrefix = "whoami";
  private volatile boolean onePort;

  private WhoamiExtension(List<String> addresses) {
    this.addresses = addresses;
  }

  /** Backends on these addresses (127.0.0.x literals), one each, in this order. */
  public static WhoamiExtension on(String... addresses) {
    List<String> list = Arrays.asList(addresses.clone());
    list.forEach(a -> Objects.requireNonNull(a, "address"));
    return new WhoamiExtension(List.copyOf(list));
  }

  /** {@code count} backends on 127.0.0.2, 127.0.0.3, ... (0 starts none: add them with {@link #add}). */
  public static WhoamiExtension count(int count) {
    if (count < 0 || count > 250) {
      throw new IllegalArgumentException("count: " + count + " (expected: 0..250)");
    }
    List<String> list = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      list.add("127.0.0." + (i + 2));
    }
    return new WhoamiExtension(List.copyOf(list));
  }

  /** Names the servers {@code prefix1}, {@code prefix2}, ... instead of {@code whoami1}, ... */
  public WhoamiExtension named(String prefix) {
    requireNotStarted("named");
    if (prefix == null || prefix.isEmpty()) {
      throw new IllegalArgumentException("named: '" + prefix + "' (expected: a non-empty name prefix)");
    }
    this.namePrefix = prefix;
    return this;
  }

  /**
   * Starts every server on the first one's port, as replicas behind one DNS name share a port
   * (the addresses must then differ).
   */
  public WhoamiExtension sharingOnePort() {
    requireNotStarted("sharingOnePort");
    if (addresses.stream().distinct().count() != addresses.size()) {
      throw new IllegalArgumentException("sharingOnePort: addresses " + addresses + " (expected: all different)");
    }
    this.onePort = true;
    return this;
  }

  @Override
  void open() throws IOException {
    int port = 0;
    for (int i = 0; i < addresses.size(); i++) {
      WhoamiServer s = WhoamiServer.start(namePrefix + (i + 1), addresses.get(i), port);
      servers.add(s);
      if (onePort) {
        port = s.port();
      }
    }
  }

  @Override
  void shut() {
    for (WhoamiServer s : servers) {
      s.close();
    }
    servers.clear();
  }

  /**
   * Starts one more server now (closed with the others), e.g. on the port of another to stand for
   * a new replica; port 0 picks an ephemeral one.
   */
  public WhoamiServer add(String name, String address, int port) throws IOException {
    requireStarted();
    WhoamiServer s = WhoamiServer.start(name, address, port);
    servers.add(s);
    return s;
  }

  /** The server at {@code index}, 0 for the first address. */
  public WhoamiServer get(int index) {
    requireStarted();
    return servers.get(index);
  }

  /** Every server, in order of the addresses, then those added. */
  public List<WhoamiServer> servers() {
    requireStarted();
    return List.copyOf(servers);
  }

  public int size() {
    requireStarted();
    return servers.size();
  }

  /** {@code ip:port} of every server, comma-separated: a static backend list. */
  public String authorities() {
    return servers().stream().map(WhoamiServer::authority).collect(Collectors.joining(","));
  }

  @Override
  public String toString() {
    return "WhoamiExtension" + addresses;
  }
}
