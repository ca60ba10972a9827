package io.lbkit.testkit;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

/**
 * A test's WebSocket client on {@link java.net.http.WebSocket}: text messages queue up whole,
 * binary messages are counted and checksummed as their parts arrive (a 16 MiB echo is never held),
 * and the end (close or error) is observable. Talks to {@link WhoamiServer}'s WebSocket.
 */
public final class WebSocketProbe implements WebSocket.Listener, AutoCloseable {
  private final BlockingQueue<String> texts = new LinkedBlockingQueue<>();
  private final BlockingQueue<long[]> binaries = new LinkedBlockingQueue<>();
  private final CompletableFuture<String> ended = new CompletableFuture<>();
  private final StringBuilder text = new StringBuilder();
  private final CRC32 crc = new CRC32();
  private long binaryLength;
  private volatile WebSocket socket;

  private WebSocketProbe() {}

  /** Opens a socket to {@code uri} ({@code ws://...}) with {@code client} (its cookie jar applies), waiting up to 15 s. */
  public static WebSocketProbe open(HttpClient client, URI uri) throws Exception {
    return open(client, uri, new String[0]);
  }

  /** Opens a socket sending these extra handshake lines (name, value, name, value...), e.g. a forged {@code Cookie}. */
  public static WebSocketProbe open(HttpClient client, URI uri, String... headerLines) throws Exception {
    WebSocketProbe p = new WebSocketProbe();
    WebSocket.Builder b = client.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
    for (int i = 0; i + 1 < headerLines.length; i += 2) {
      b.header(headerLines[i], headerLines[i + 1]);
    }
    p.socket = b.buildAsync(uri, p).get(15, TimeUnit.SECONDS);
    return p;
  }

  /** Starts opening a socket; the future fails with the handshake's error. */
  public static CompletableFuture<WebSocketProbe> openAsync(HttpClient client, URI uri) {
    WebSocketProbe p = new WebSocketProbe();
    return client.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(30)).buildAsync(uri, p)
        .thenApply(ws -> {
          p.socket = ws;
          return p;
        });
  }

  public WebSocket socket() {
    return socket;
  }

  /** Sends a text message and returns the next text message received, within 15 s. */
  public String ask(String message) throws Exception {
    socket.sendText(message, true).get(15, TimeUnit.SECONDS);
    return nextText(Duration.ofSeconds(15));
  }

  /** The name of the {@link WhoamiServer} holding this socket. */
  public String whoami() throws Exception {
    return ask("whoami");
  }

  /** The next whole text message, or an AssertionError after {@code timeout}. */
  public String nextText(Duration timeout) throws InterruptedException {
    String t = texts.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    if (t == null) {
      throw new AssertionError("no text message within " + timeout + (ended.isDone() ? "; ended: " + ended.join() : ""));
    }
    return t;
  }

  /** The next whole binary message as {length, CRC-32}, or an AssertionError after {@code timeout}. */
  public long[] nextBinary(Duration timeout) throws InterruptedException {
    long[] b = binaries.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    if (b == null) {
      throw new AssertionError("no binary message within " + timeout + (ended.isDone() ? "; ended: " + ended.join() : ""));
    }
    return b;
  }

  /** Completes with {@code close <code>} or {@code error <exception>} when the socket ends. */
  public CompletableFuture<String> ended() {
    return ended;
  }

  @Override
  public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
    text.append(data);
    if (last) {
      texts.add(text.toString());
      text.setLength(0);
    }
    ws.request(1);
    return null;
  }

  @Override
  public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
    binaryLength += data.remaining();
    crc.update(data);
    if (last) {
      binaries.add(new long[] {binaryLength, crc.getValue()});
      binaryLength = 0;
      crc.reset();
    }
    ws.request(1);
    return null;
  }

  @Override
  public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
    ended.complete("close " + statusCode);
    return null;
  }

  @Override
  public void onError(WebSocket ws, Throwable error) {
    ended.complete("error " + error);
  }

  /** CRC-32 of a buffer's remaining bytes, leaving it unchanged. */
  public static long crc(ByteBuffer data) {
    CRC32 c = new CRC32();
    c.update(data.duplicate());
    return c.getValue();
  }

  /** A normal close, without waiting for the answer. */
  @Override
  public void close() {
    WebSocket ws = socket;
    if (ws != null && !ws.isOutputClosed()) {
      ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
    }
  }
}
