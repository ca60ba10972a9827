package io.lbkit.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Half-closes and resets through a tunnel, on raw sockets at both ends (a WebSocket library hides
 * them): a FIN from one side reaches the other, which can still send; a reset on one side resets
 * the other. Netty can half-close a client connection; the servlet engine cannot.
 */
class TunnelHalfCloseTest {
  @RegisterExtension
  final ProxyFixture f = new ProxyFixture();

  private final SynchronousQueue<Socket> accepted = new SynchronousQueue<>();
  private ServerSocket backend;
  private Thread acceptor;

  @AfterEach
  void closeBackend() throws Exception {
    if (backend != null) {
      backend.close();
      acceptor.join(5000);
    }
  }

  /** A raw server that answers any handshake with a 101 and then leaves the socket to the test. */
  private void startProxyAndBackend() throws Exception {
    backend = new ServerSocket();
    backend.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.5"), 0));
    acceptor = new Thread(() -> {
      while (!backend.isClosed()) {
        try {
          Socket s = backend.accept();
          head(s.getInputStream());
          s.getOutputStream().write(("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
              + "Upgrade: websocket\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
          accepted.put(s);
        } catch (IOException | InterruptedException e) {
          return;
        }
      }
    }, "raw-backend");
    acceptor.start();
    f.param("backend", "127.0.0.5:" + backend.getLocalPort()).start();
  }

  /** A client socket through the proxy, past the 101; with the backend's socket. */
  private Socket[] tunnel() throws Exception {
    Socket client = new Socket("127.0.0.1", f.proxy.port());
    client.setSoTimeout(5000);
    client.getOutputStream().write(("GET /raw HTTP/1.1\r\nHost: test\r\nConnection: Upgrade\r\n"
        + "Upgrade: websocket\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
    assertThat(head(client.getInputStream())).startsWith("HTTP/1.1 101");
    Socket server = accepted.poll(5, TimeUnit.SECONDS);
    assertThat(server).as("the backend accepted").isNotNull();
    server.setSoTimeout(5000);
    return new Socket[] {client, server};
  }

  private static String head(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) >= 0) {
      b.write(c);
      String s = b.toString(StandardCharsets.ISO_8859_1);
      if (s.endsWith("\r\n\r\n")) {
        return s;
      }
    }
    throw new IOException("end of stream inside a head");
  }

  private static void send(Socket s, String text) throws IOException {
    s.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
  }

  private static String read(Socket s, int n) throws IOException {
    byte[] b = s.getInputStream().readNBytes(n);
    return new String(b, StandardCharsets.US_ASCII);
  }

  @Test
  void theClientsHalfCloseReachesTheServerWhichCanStillAnswer() throws Exception {
    startProxyAndBackend();
    Socket[] t = tunnel();
    Socket client = t[0];
    Socket server = t[1];
    send(client, "ping");
    assertThat(read(server, 4)).isEqualTo("ping");
    client.shutdownOutput();
    assertThat(server.getInputStream().read()).as("the server reads the client's end of stream").isEqualTo(-1);
    send(server, "late answer");
    assertThat(read(client, 11)).isEqualTo("late answer");
    server.close();
    assertThat(client.getInputStream().read()).isEqualTo(-1);
    client.close();
    await().atMost(TunnelTest.PROMPTLY).until(() -> f.proxy.engine().openTunnels() == 0
        && f.proxy.engine().openConnections() == 0);
  }

  @Test
  void theServersHalfCloseReachesTheClientWhichCanStillSend() throws Exception {
    startProxyAndBackend();
    Socket[] t = tunnel();
    Socket client = t[0];
    Socket server = t[1];
    send(server, "hello");
    assertThat(read(client, 5)).isEqualTo("hello");
    server.shutdownOutput();
    assertThat(client.getInputStream().read()).as("the client reads the server's end of stream").isEqualTo(-1);
    send(client, "still talking");
    assertThat(read(server, 13)).isEqualTo("still talking");
    client.close();
    assertThat(server.getInputStream().read()).isEqualTo(-1);
    server.close();
    await().atMost(TunnelTest.PROMPTLY).until(() -> f.proxy.engine().openTunnels() == 0
        && f.proxy.engine().openConnections() == 0);
    assertThat(f.balancer.group().snapshot().servers().get(0).stats().active()).isZero();
  }

  @Test
  void aResetByTheClientResetsTheServerConnection() throws Exception {
    startProxyAndBackend();
    Socket[] t = tunnel();
    send(t[0], "x");
    assertThat(read(t[1], 1)).isEqualTo("x");
    t[0].setSoLinger(true, 0);
    t[0].close(); // an RST
    assertThatThrownBy(() -> t[1].getInputStream().read()).isInstanceOf(SocketException.class);
    t[1].close();
    await().atMost(TunnelTest.PROMPTLY).until(() -> f.proxy.engine().openTunnels() == 0);
  }

  @Test
  void aResetByTheServerResetsTheClientConnection() throws Exception {
    startProxyAndBackend();
    Socket[] t = tunnel();
    send(t[1], "y");
    assertThat(read(t[0], 1)).isEqualTo("y");
    t[1].setSoLinger(true, 0);
    t[1].close();
    assertThatThrownBy(() -> t[0].getInputStream().read()).isInstanceOf(SocketException.class);
    t[0].close();
    await().atMost(TunnelTest.PROMPTLY).until(() -> f.proxy.engine().openTunnels() == 0
        && f.proxy.engine().openConnections() == 0);
  }
}
