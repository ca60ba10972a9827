package io.lbkit.testkit;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A WebSocket client on a plain blocking {@link Socket} (RFC 6455, client role), for what
 * {@link java.net.http.WebSocket} does not show or costs too much for: a thousand sockets at once,
 * a half-close, a reset, the raw 101. No thread of its own: the caller reads and writes.
 */
public final class RawWebSocket implements AutoCloseable {
  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private final String head;

  private RawWebSocket(Socket socket, String head) throws IOException {
    this.socket = socket;
    this.in = socket.getInputStream();
    this.out = socket.getOutputStream();
    this.head = head;
  }

  /**
   * Connects to {@code address}, sends a WebSocket handshake for {@code path} with these extra lines
   * (name, value, ...) and reads the answer's head; fails unless it is a 101. Reads time out after
   * {@code timeoutMillis}.
   */
  public static RawWebSocket open(InetSocketAddress address, String path, int timeoutMillis, String... headerLines)
      throws IOException {
    Socket s = new Socket();
    try {
      s.connect(address, timeoutMillis);
      s.setSoTimeout(timeoutMillis);
      s.setTcpNoDelay(true);
      byte[] key = new byte[16];
      ThreadLocalRandom.current().nextBytes(key);
      StringBuilder request = new StringBuilder("GET ").append(path).append(" HTTP/1.1\r\nHost: ")
          .append(address.getHostString()).append(':').append(address.getPort())
          .append("\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ")
          .append(Base64.getEncoder().encodeToString(key)).append("\r\n");
      for (int i = 0; i + 1 < headerLines.length; i += 2) {
        request.append(headerLines[i]).append(": ").append(headerLines[i + 1]).append("\r\n");
      }
      s.getOutputStream().write(request.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
      String head = readHead(s.getInputStream());
      if (!head.startsWith("HTTP/1.1 101")) {
        throw new IOException("handshake answered " + head.lines().findFirst().orElse(""));
      }
      return new RawWebSocket(s, head);
    } catch (IOException | RuntimeException e) {
      s.close();
      throw e;
    }
  }

  /** Reads a response head, up to and without its empty line. */
  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int last4 = 0;
    while (last4 != 0x0d0a0d0a) { // CRLF CRLF
      int c = in.read();
      if (c < 0) {
        throw new EOFException("connection closed in the handshake's answer");
      }
      b.write(c);
      last4 = (last4 << 8) | c;
      if (b.size() > 65_536) {
        throw new IOException("handshake answer longer than 64 KiB");
      }
    }
    return b.toString(StandardCharsets.ISO_8859_1);
  }

  /** The 101 head as received. */
  public String head() {
    return head;
  }

  public Socket socket() {
    return socket;
  }

  /** Sends a text message in one masked frame. */
  public void sendText(String text) throws IOException {
    send(0x1, text.getBytes(StandardCharsets.UTF_8));
  }

  /** Sends one final, masked frame with this opcode and payload. */
  public void send(int opcode, byte[] payload) throws IOException {
    int n = payload.length;
    ByteArrayOutputStream b = new ByteArrayOutputStream(n + 14);
    b.write(0x80 | opcode);
    if (n < 126) {
      b.write(0x80 | n);
    } else if (n < 65_536) {
      b.write(0x80 | 126);
      b.write(n >>> 8);
      b.write(n);
    } else {
      b.write(0x80 | 127);
      for (int i = 7; i >= 0; i--) {
        b.write(i >= 4 ? 0 : n >>> (8 * i));
      }
    }
    byte[] mask = new byte[4];
    ThreadLocalRandom.current().nextBytes(mask);
    b.write(mask, 0, 4);
    for (int i = 0; i < n; i++) {
      b.write(payload[i] ^ mask[i & 3]);
    }
    out.write(b.toByteArray());
  }

  /** Reads the next frame's payload (the server's frames are not masked); an error at the end of stream. */
  public byte[] receive() throws IOException {
    int b0 = read();
    int b1 = read();
    long n = b1 & 0x7f;
    if (n == 126) {
      n = (read() << 8) | read();
    } else if (n == 127) {
      n = 0;
      for (int i = 0; i < 8; i++) {
        n = (n << 8) | read();
      }
    }
    if (n > Integer.MAX_VALUE - 8) {
      throw new IOException("frame too long: " + n);
    }
    byte[] mask = (b1 & 0x80) != 0 ? new byte[] {(byte) read(), (byte) read(), (byte) read(), (byte) read()} : null;
    byte[] payload = new byte[(int) n];
    for (int done = 0; done < n; ) {
      int r = in.read(payload, done, (int) n - done);
      if (r < 0) {
        throw new EOFException("end of stream inside a frame");
      }
      done += r;
    }
    if (mask != null) {
      for (int i = 0; i < n; i++) {
        payload[i] ^= mask[i & 3];
      }
    }
    if ((b0 & 0x0f) == 0x8) {
      throw new EOFException("close frame");
    }
    return payload;
  }

  /** Sends a text message and reads the next one: an echo round trip. */
  public String ask(String text) throws IOException {
    sendText(text);
    return new String(receive(), StandardCharsets.UTF_8);
  }

  private int read() throws IOException {
    int c = in.read();
    if (c < 0) {
      throw new EOFException("end of stream inside a frame head");
    }
    return c;
  }

  /** What {@link #heapHeldByOpen} runs while every socket is open. */
  @FunctionalInterface
  public interface WhileOpen {
    void run() throws Exception;
  }

  /**
   * Opens {@code n} WebSockets at {@code address} one after the other, each sending one message,
   * reads all the echoes (so every socket has carried bytes at some point), runs {@code whileOpen},
   * closes them, and returns the heap they held: used heap after a GC with all open minus before.
   * For "memory per open tunnel" checks: subtract the figure of as many sockets opened straight to a
   * backend to get what a proxy in the same JVM adds.
   */
  public static long heapHeldByOpen(InetSocketAddress address, String path, int n, WhileOpen whileOpen)
      throws Exception {
    long before = heapAfterGc();
    List<RawWebSocket> open = new ArrayList<>(n);
    try {
      for (int i = 0; i < n; i++) {
        RawWebSocket ws = open(address, path, 30_000);
        open.add(ws);
        ws.sendText("m" + i); // answered below, all at once
      }
      for (int i = 0; i < n; i++) {
        String echo = new String(open.get(i).receive(), StandardCharsets.UTF_8);
        if (!echo.equals("m" + i)) {
          throw new IOException("socket " + i + ": echo '" + echo + "', expected 'm" + i + "'");
        }
      }
      whileOpen.run();
      return heapAfterGc() - before;
    } finally {
      for (RawWebSocket ws : open) {
        ws.close();
      }
    }
  }

  private static long heapAfterGc() {
    System.gc(); // G1 honours it with a full collection: what is left is what is reachable
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /** Closes the TCP connection without a close frame. */
  @Override
  public void close() throws IOException {
    socket.close();
  }
}
