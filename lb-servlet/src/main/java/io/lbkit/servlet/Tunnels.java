package io.lbkit.servlet;

import io.lbkit.core.ServerGroup;
import io.lbkit.core.Snapshot;
import java.io.IOException;
import java.nio.channels.AsynchronousChannelGroup;
import java.nio.channels.AsynchronousSocketChannel;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The open tunnels of one filter and the two threads their server sockets run on (an
 * {@link AsynchronousChannelGroup}: no thread per tunnel). With {@code tunnel-on-server-down=close}
 * it closes a server's tunnels when a snapshot no longer has the server usable.
 */
final class Tunnels implements AutoCloseable {
  private final AsynchronousChannelGroup group;
  private final Set<Tunnel> open = ConcurrentHashMap.newKeySet();
  private final ServerGroup servers;
  private final Consumer<Snapshot> onSnapshot;

  Tunnels(String name, ServerGroup servers, TunnelOnDown onDown) throws IOException {
    AtomicInteger count = new AtomicInteger();
    this.group = AsynchronousChannelGroup.withFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "lbkit-tunnel-" + name + "-" + count.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    this.servers = servers;
    if (onDown == TunnelOnDown.CLOSE) {
      onSnapshot = this::closeUnusable;
      servers.addListener(onSnapshot);
    } else {
      onSnapshot = null;
    }
  }

  /** A new, unconnected channel on the tunnels' threads. */
  AsynchronousSocketChannel newChannel() throws IOException {
    return AsynchronousSocketChannel.open(group);
  }

  void add(Tunnel t) {
    open.add(t);
  }

  void remove(Tunnel t) {
    open.remove(t);
  }

  /** Tunnels open now. */
  int size() {
    return open.size();
  }

  private void closeUnusable(Snapshot snapshot) {
    for (Tunnel t : open) {
      if (!snapshot.usable().contains(t.server())) {
        t.closeLater("its server left service (tunnel-on-server-down=close)");
      }
    }
  }

  /** Closes every tunnel and stops the threads. */
  @Override
  public void close() {
    if (onSnapshot != null) {
      servers.removeListener(onSnapshot);
    }
    for (Tunnel t : open) {
      t.close("the filter stopped");
    }
    try {
      group.shutdownNow(); // closes the channels still open
      group.awaitTermination(5, TimeUnit.SECONDS);
    } catch (IOException e) {
      // closing anyway
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
