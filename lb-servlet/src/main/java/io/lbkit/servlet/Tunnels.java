package io.lbkit.servlet;

import io.lbkit.core.ServerGroup;
import io.lbkit.proxy.OpenTunnels;
import io.lbkit.proxy.TunnelOnDown;
import java.io.IOException;
import java.nio.channels.AsynchronousChannelGroup;
import java.nio.channels.AsynchronousSocketChannel;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The open tunnels of one filter and the two threads their server sockets run on (an
 * {@link AsynchronousChannelGroup}: no thread per tunnel). lb-core's {@link OpenTunnels} keeps the
 * set and applies {@code tunnel-on-server-down}.
 */
final class Tunnels implements AutoCloseable {
  private final AsynchronousChannelGroup group;
  private final OpenTunnels<Tunnel> open;

  Tunnels(String name, ServerGroup servers, TunnelOnDown onDown) throws IOException {
    AtomicInteger count = new AtomicInteger();
    this.group = AsynchronousChannelGroup.withFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "lbkit-tunnel-" + name + "-" + count.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    this.open = new OpenTunnels<>(servers, onDown);
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

  /** Closes every tunnel and stops the threads. */
  @Override
  public void close() {
    open.close();
    open.forEach(t -> t.close("the filter stopped"));
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
