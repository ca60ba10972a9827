package io.lbkit.proxy;

import io.lbkit.core.Server;
import io.lbkit.core.ServerGroup;
import io.lbkit.core.Snapshot;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The open tunnels of one proxy, for any engine, and {@code tunnel-on-server-down}: with
 * {@link TunnelOnDown#CLOSE} a snapshot that no longer has a server usable (DOWN, maintenance,
 * gone from the list) closes that server's tunnels; with {@link TunnelOnDown#KEEP} they stay, as
 * HAProxy's do without {@code on-marked-down shutdown-sessions}. Thread-safe.
 *
 * @param <T> the engine's tunnel
 */
public final class OpenTunnels<T extends OpenTunnels.Tunnel> implements AutoCloseable {
  /** What the registry needs of an engine's tunnel. */
  public interface Tunnel {
    /** The server at the other end. */
    Server server();

    /**
     * Closes both connections, soon, from a thread of the engine's own: it is called under the
     * group's snapshot listener, where no I/O may run.
     */
    void closeLater(String why);
  }

  private final Set<T> open = ConcurrentHashMap.newKeySet();
  private final ServerGroup servers;
  private final Consumer<Snapshot> onSnapshot;

  public OpenTunnels(ServerGroup servers, TunnelOnDown onDown) {
    this.servers = Objects.requireNonNull(servers, "servers");
    if (Objects.requireNonNull(onDown, "tunnel-on-server-down") == TunnelOnDown.CLOSE) {
      onSnapshot = this::closeUnusable;
      servers.addListener(onSnapshot);
    } else {
      onSnapshot = null;
    }
  }

  public void add(T t) {
    open.add(t);
  }

  public void remove(T t) {
    open.remove(t);
  }

  /** Tunnels open now. */
  public int size() {
    return open.size();
  }

  /** Calls {@code action} for each tunnel open now. */
  public void forEach(Consumer<? super T> action) {
    open.forEach(action);
  }

  private void closeUnusable(Snapshot snapshot) {
    for (T t : open) {
      if (!usable(snapshot, t.server())) {
        t.closeLater("its server left service (tunnel-on-server-down=close)");
      }
    }
  }

  /**
   * Whether the snapshot still has the server usable: same slot, same endpoint. Each snapshot has
   * its own {@link Server} values, so identity says nothing (another server's change would close
   * every tunnel).
   */
  static boolean usable(Snapshot snapshot, Server server) {
    for (Server u : snapshot.usable()) {
      if (u.slot() == server.slot() && Objects.equals(u.endpoint(), server.endpoint())) {
        return true;
      }
    }
    return false;
  }

  /** Stops watching the group; the tunnels are the engine's to close. */
  @Override
  public void close() {
    if (onSnapshot != null) {
      servers.removeListener(onSnapshot);
    }
  }
}
