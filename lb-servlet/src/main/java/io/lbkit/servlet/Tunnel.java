package io.lbkit.servlet;

import io.lbkit.core.Selection;
import io.lbkit.core.Server;
import io.lbkit.proxy.OpenTunnels;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.WebConnection;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;

/**
 * An upgraded connection after the server's 101: bytes copied both ways, non-blocking on both
 * sides (the servlet's {@link ReadListener}/{@link WriteListener}, the server's
 * {@link AsynchronousSocketChannel}), one 16 KiB buffer per direction: nothing is read from one
 * side before the other side took the previous buffer, so a slow reader slows its writer down
 * instead of filling memory.
 *
 * <p>Each direction is a pump that runs on one thread at a time (a work-in-progress counter re-runs
 * it when signalled while running), as in {@link ProxyExchange}. An end of stream is passed on as a
 * half-close, both ways: the client's shuts down the server socket's output (the server may still
 * answer), the server's, once its last bytes are flushed, shuts down the client connection's output
 * ({@link ConnectionAbort#shutdownOutput}: Jetty's endpoint, Tomcat's NIO channel; where neither is
 * reachable the tunnel ends there). The tunnel closes when both sides ended. Any error, either side,
 * or {@code timeout-tunnel} without a byte either way closes both connections; toward the server
 * that is a FIN, not a reset ({@link AsynchronousSocketChannel} has no {@code SO_LINGER}).
 */
final class Tunnel implements ReadListener, WriteListener, OpenTunnels.Tunnel {
  private static final int BUFFER = 16 * 1024;

  private final ProxyContext context;
  private final Tunnels tunnels;
  private final Logger log;
  private final AsynchronousSocketChannel channel;
  private final Selection selection;
  private final String what;
  private final Object jettyEndPoint; // for a half-close toward the client in Jetty, else null
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile WebConnection connection;
  private java.util.concurrent.locks.Lock containerLock; // Tomcat's, taken around our use of its streams
  private ServletInputStream in;
  private ServletOutputStream out;

  // client -> server
  private final AtomicInteger upWork = new AtomicInteger();
  private final byte[] upBuffer = new byte[BUFFER];
  private final ByteBuffer up = ByteBuffer.wrap(upBuffer);
  private volatile boolean upWriting;
  private volatile boolean clientEnded;

  // server -> client
  private final AtomicInteger downWork = new AtomicInteger();
  private final byte[] downBuffer;
  private final ByteBuffer down;
  private volatile int downLength;
  private volatile boolean downReading;
  private volatile boolean needFlush;
  private volatile boolean serverEnded;
  private volatile boolean clientHalfClosed; // the server's end of stream passed on to the client

  // timeout-tunnel
  private final long idleNanos;
  private final long checkMillis;
  private volatile long lastActivity;
  private volatile Scheduler.Task idleCheck;

  /**
   * @param first bytes the server sent right after its 101 head, passed to the client first
   * @param jettyEndPoint Jetty's endpoint of the client connection ({@link ConnectionAbort#jettyEndPoint}), or null
   * @param what the handshake's method and path, for logs
   */
  Tunnel(ProxyContext context, Tunnels tunnels, AsynchronousSocketChannel channel, ByteBuffer first,
      Selection selection, Object jettyEndPoint, String what) {
    this.context = context;
    this.tunnels = tunnels;
    this.log = context.log;
    this.channel = channel;
    this.selection = selection;
    this.what = what;
    this.jettyEndPoint = jettyEndPoint;
    this.downBuffer = new byte[Math.max(BUFFER, first.remaining())];
    this.down = ByteBuffer.wrap(downBuffer);
    int n = first.remaining();
    first.get(downBuffer, 0, n);
    this.downLength = n;
    this.idleNanos = context.options.timeoutTunnel().toNanos();
    this.checkMillis = Math.max(10, Math.min(context.options.timeoutTunnel().toMillis() / 4, 60_000));
    this.lastActivity = context.ticker.read();
    selection.server().stats().tunnelOpened();
    tunnels.add(this);
  }

  @Override
  public Server server() {
    return selection.server();
  }

  /** The container sent the 101: start copying. */
  void start(WebConnection webConnection) {
    this.connection = webConnection;
    if (closed.get()) {
      ConnectionAbort.close(webConnection);
      return;
    }
    try {
      containerLock = ConnectionAbort.containerLock(webConnection);
      ConnectionAbort.dropJettyHandshakeEnd(jettyEndPoint); // before the first read
      in = webConnection.getInputStream();
      out = webConnection.getOutputStream();
      out.setWriteListener(this);
      in.setReadListener(this);
    } catch (IOException | RuntimeException e) {
      fail("client", e);
      return;
    }
    scheduleIdleCheck();
    pumpDown(); // bytes after the 101, and the first read from the server
  }

  // ---- client -> server ----

  private void pumpUp() {
    if (upWork.getAndIncrement() != 0) {
      return;
    }
    do {
      lockContainer();
      try {
        pumpUpOnce();
      } catch (IOException | RuntimeException e) {
        fail("client", e);
      } finally {
        unlockContainer();
      }
    } while (upWork.decrementAndGet() != 0);
  }

  private void pumpUpOnce() throws IOException {
    while (!closed.get() && !upWriting && !clientEnded) {
      if (!in.isReady()) {
        if (in.isFinished()) {
          log.debug("{}: tunnel {}: the client's input finished", context.group.name(), what);
          clientEnded();
        }
        return; // else onDataAvailable() calls us again
      }
      int n;
      try {
        n = in.read(upBuffer);
      } catch (java.io.EOFException e) {
        n = -1; // Tomcat's way of saying the client half-closed (a reset is another IOException)
      }
      if (n < 0) {
        log.debug("{}: tunnel {}: the client's end of stream", context.group.name(), what);
        clientEnded();
        return;
      }
      if (n > 0) {
        lastActivity = context.ticker.read();
        upWriting = true;
        up.clear().limit(n);
        channel.write(up, null, upWritten);
      }
    }
  }

  private final CompletionHandler<Integer, Void> upWritten = new CompletionHandler<>() {
    @Override
    public void completed(Integer n, Void nothing) {
      if (up.hasRemaining()) {
        channel.write(up, null, this);
        return;
      }
      upWriting = false;
      pumpUp();
    }

    @Override
    public void failed(Throwable t, Void nothing) {
      fail("server", t);
    }
  };

  private void clientEnded() {
    clientEnded = true;
    if (clientHalfClosed) {
      close("both sides closed");
      return;
    }
    try {
      channel.shutdownOutput(); // the server reads its end of stream: a half-close
    } catch (IOException e) {
      fail("server", e);
    }
  }

  @Override
  public void onDataAvailable() {
    pumpUp();
  }

  @Override
  public void onAllDataRead() {
    pumpUp();
  }

  // ---- server -> client ----

  private void pumpDown() {
    if (downWork.getAndIncrement() != 0) {
      return;
    }
    do {
      lockContainer();
      try {
        pumpDownOnce();
      } catch (IOException | RuntimeException e) {
        fail("client", e);
      } finally {
        unlockContainer();
      }
    } while (downWork.decrementAndGet() != 0);
  }

  private void pumpDownOnce() throws IOException {
    while (!closed.get()) {
      if (downReading) {
        return; // downRead calls us again
      }
      if (!out.isReady()) {
        return; // onWritePossible() calls us again; the container may still hold our buffer
      }
      int n = downLength;
      if (n > 0) {
        downLength = 0;
        out.write(downBuffer, 0, n);
        needFlush = true;
        continue;
      }
      if (needFlush) {
        needFlush = false;
        out.flush(); // a message must reach the client now, not when a buffer fills
        continue;
      }
      if (serverEnded) {
        // the server's last bytes are flushed (isReady above): pass its end of stream on
        if (clientEnded) {
          close("both sides closed");
        } else if (!clientHalfClosed) {
          clientHalfClosed = true;
          if (!ConnectionAbort.shutdownOutput(jettyEndPoint, connection)) {
            close("the server closed"); // no half-close in this container
          } else if (clientEnded) {
            close("both sides closed"); // the client ended meanwhile
          }
        }
        return;
      }
      downReading = true;
      down.clear().limit(BUFFER);
      channel.read(down, null, downRead);
      return;
    }
  }

  private final CompletionHandler<Integer, Void> downRead = new CompletionHandler<>() {
    @Override
    public void completed(Integer n, Void nothing) {
      if (n < 0) {
        serverEnded = true;
      } else {
        lastActivity = context.ticker.read();
        downLength = n;
      }
      downReading = false;
      pumpDown();
    }

    @Override
    public void failed(Throwable t, Void nothing) {
      fail("server", t);
    }
  };

  @Override
  public void onWritePossible() {
    pumpDown();
  }

  private void lockContainer() {
    java.util.concurrent.locks.Lock l = containerLock;
    if (l != null) {
      l.lock(); // reentrant: a container callback already holds it
    }
  }

  private void unlockContainer() {
    java.util.concurrent.locks.Lock l = containerLock;
    if (l != null) {
      l.unlock();
    }
  }

  // ---- endings ----

  @Override
  public void onError(Throwable t) {
    if (t instanceof java.io.EOFException && !clientEnded) {
      // Tomcat reports the client's end of stream (a FIN) so; its output still works
      log.debug("{}: tunnel {}: the client's end of stream", context.group.name(), what);
      clientEnded();
      return;
    }
    fail("client", t); // ReadListener and WriteListener share this
  }

  private void fail(String side, Throwable t) {
    if (closed.get()) {
      return;
    }
    log.debug("{}: tunnel {} to {}: {} side failed: {}", context.group.name(), what,
        Failures.describe(server()), side, Failures.describe(t));
    close(side + " failed: " + Failures.describe(t));
  }

  /** Closes from another thread (a snapshot listener must not do I/O under the group's lock). */
  @Override
  public void closeLater(String why) {
    context.client.getExecutor().execute(() -> close(why));
  }

  /** Closes both connections, once. */
  void close(String why) {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    Scheduler.Task t = idleCheck;
    if (t != null) {
      t.cancel();
    }
    tunnels.remove(this);
    try {
      channel.close(); // a FIN, also after a client's reset: AsynchronousSocketChannel offers no SO_LINGER
    } catch (IOException e) {
      // closed anyway
    }
    WebConnection c = connection;
    if (c != null) {
      ConnectionAbort.close(c);
    }
    Server server = server();
    server.stats().tunnelClosed();
    server.stats().requestEnded();
    log.debug("{}: tunnel {} to {} closed: {}", context.group.name(), what, Failures.describe(server), why);
  }

  // ---- timeout-tunnel ----

  private void scheduleIdleCheck() {
    idleCheck = context.client.getScheduler().schedule(this::checkIdle, checkMillis, TimeUnit.MILLISECONDS);
  }

  private void checkIdle() {
    if (closed.get()) {
      return;
    }
    long idle = context.ticker.read() - lastActivity;
    if (idle >= idleNanos) {
      log.info("{}: tunnel {} to {} idle for {} ms (timeout-tunnel); closing", context.group.name(), what,
          Failures.describe(server()), TimeUnit.NANOSECONDS.toMillis(idle));
      close("timeout-tunnel");
      return;
    }
    scheduleIdleCheck();
  }
}
