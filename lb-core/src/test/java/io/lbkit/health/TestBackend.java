package io.lbkit.health;

import io.lbkit.core.Endpoint;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real TCP backend on a 127.0.0.x address and an ephemeral port, whose behaviour a test can
 * switch while it runs: accept and close, reset, stall, answer HTTP with a status, or garbage.
 * Connections are served one after the other on a single thread of the test.
 */
final class TestBackend implements AutoCloseable {
  enum Mode { ACCEPT, RESET, STALL, HTTP, GARBAGE, EMPTY }

  private final ServerSocket socket;
  private final Thread thread;
  private final List<Socket> held = new CopyOnWriteArrayList<>();
  final List<String> requests = new CopyOnWriteArrayList<>();
  final AtomicInteger accepted = new AtomicInteger();
  /** Stalled connections the client closed. */
  final AtomicInteger peerClosed = new AtomicInteger();
  volatile Mode mode;
  volatile int status = 200;

  private TestBackend(String ip, Mode mode, int backlog) throws IOException {
    this.mode = mode;
    socket = new ServerSocket();
    socket.bind(new InetSocketAddress(InetAddress.getByName(ip), 0), backlog);
    thread = new Thread(this::serve, "test-backend-" + ip + ":" + socket.getLocalPort());
    thread.setDaemon(true);
    if (mode != null) {
      thread.start();
    }
  }

  static TestBackend start(String ip, Mode mode) throws IOException {
    return new TestBackend(ip, mode, 50);
  }

  static TestBackend http(String ip, int status) throws IOException {
    TestBackend b = new TestBackend(ip, Mode.HTTP, 50);
    b.status = status;
    return b;
  }

  /** A listening socket that never accepts, with the smallest backlog: fill it to make connects hang. */
  static TestBackend neverAccepting(String ip) throws IOException {
    return new TestBackend(ip, null, 1);
  }

  Endpoint endpoint() {
    return Endpoint.parse(socket.getInetAddress().getHostAddress() + ":" + socket.getLocalPort());
  }

  InetSocketAddress address() {
    return (InetSocketAddress) socket.getLocalSocketAddress();
  }

  private void serve() {
    while (!socket.isClosed()) {
      Socket s;
      try {
        s = socket.accept();
      } catch (IOException e) {
        return;
      }
      accepted.incrementAndGet();
      try {
        handle(s);
      } catch (IOException e) {
        closeQuietly(s);
      }
    }
  }

  private void handle(Socket s) throws IOException {
    switch (mode) {
      case ACCEPT:
        s.close();
        break;
      case RESET:
        s.setSoLinger(true, 0);
        s.close();
        break;
      case STALL:
        held.add(s);
        Thread watcher = new Thread(() -> { // reads and drops the request; counts when the client hangs up
          try {
            InputStream in = s.getInputStream();
            while (in.read() >= 0) {
              // never answer
            }
          } catch (IOException e) {
            // reset or closed by us: a hang-up all the same
          }
          peerClosed.incrementAndGet();
        }, "test-backend-stall");
        watcher.setDaemon(true);
        watcher.start();
        break;
      case EMPTY:
        readRequest(s);
        s.close();
        break;
      case GARBAGE:
        readRequest(s);
        s.getOutputStream().write("\u0000\u0001garbage that is no status line\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        s.close();
        break;
      case HTTP:
        readRequest(s);
        s.getOutputStream().write(("HTTP/1.1 " + status + " Whatever\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .getBytes(StandardCharsets.ISO_8859_1));
        s.close();
        break;
      default:
        throw new IllegalStateException(String.valueOf(mode));
    }
  }

  private void readRequest(Socket s) throws IOException {
    s.setSoTimeout(5000);
    InputStream in = s.getInputStream();
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int c;
    try {
      while ((c = in.read()) >= 0) {
        head.write(c);
        String text = head.toString(StandardCharsets.ISO_8859_1);
        if (text.endsWith("\r\n\r\n") || head.size() > 8192) {
          break;
        }
      }
    } catch (SocketTimeoutException e) {
      // record what came
    }
    requests.add(head.toString(StandardCharsets.ISO_8859_1));
  }

  @Override
  public void close() {
    closeQuietly(socket);
    for (Socket s : held) {
      closeQuietly(s);
    }
  }

  private static void closeQuietly(java.io.Closeable c) {
    try {
      c.close();
    } catch (IOException ignored) {
      // test cleanup
    }
  }

  /** A port on {@code ip} with nothing listening: connects are refused. */
  static Endpoint refusedEndpoint(String ip) throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(InetAddress.getByName(ip), 0));
      return Endpoint.parse(ip + ":" + s.getLocalPort());
    }
  }
}
