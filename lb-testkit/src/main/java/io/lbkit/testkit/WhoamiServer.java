package io.lbkit.testkit;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real HTTP/1.1 backend on a loopback address, answering like {@code traefik/whoami}: lines
 * {@code Hostname: <name>}, {@code IP: <address>}, {@code RemoteAddr: <ip:port>}, then the request
 * line and the header lines as received. It records every request ({@link RecordedRequest}) and
 * can misbehave on purpose ({@link Effect}; {@link #stop()} makes it refuse connections).
 *
 * <p>Paths with a behaviour of their own (with {@link Effect#NORMAL}):
 * <ul>
 *   <li>{@code /data?size=N[&chunked=true]}: N bytes of {@link #patternByte(long)}, streamed;
 *   <li>{@code /echo}: the request body, streamed back as it arrives (chunked);
 *   <li>{@code /sink}: reads the body and answers {@code Body-Length: N} and {@code Body-CRC32: hex};
 *   <li>{@code /sse?events=N}: {@code text/event-stream}, one event {@code data: event i} at a
 *       time; each event after the first waits for a {@link #release()} (so a test can prove that
 *       events arrive one by one);
 *   <li>{@code /stream?chunks=N&size=M}: N chunks of M pattern bytes, each flushed, no gate;
 *   <li>{@code /status/NNN}: an empty answer with that status;
 *   <li>{@code /set-cookie}: two {@code Set-Cookie} lines of the backend's own;
 *   <li>{@code /big-header?size=N}: the whoami text with a header line {@code X-Big} of N bytes of value.
 *   <li>any path with {@code Upgrade: websocket}: a WebSocket that echoes every frame and answers
 *       the text {@code whoami} with the server's name ({@link WebSocketEcho}); {@code /websocket}
 *       without it: a page that opens such a socket in a browser.
 * </ul>
 * A {@code HEAD} to a path not listed above gets the whoami answer's head, without its body (the
 * paths above answer a {@code HEAD} with their body: not for {@code HEAD} tests).
 * {@link #answerWith(int)} answers every path with one status instead (a health-check target).
 * Any path also takes {@code ?wait=D} ({@code 500ms}, {@code 2s}, {@code 1m}), as
 * {@code traefik/whoami} does: the answer is held back for D (a slow backend, e.g. for graceful
 * shutdown tests); a bad D gets a 400 naming the expected form.
 * Bodies are counted and checksummed, never kept, so gigabytes pass in constant memory. One
 * thread per connection; {@link #close()} stops everything.
 */
public final class WhoamiServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WhoamiServer.class);
  private static final int MAX_HEAD = 64 * 1024;

  private final String name;
  private final InetAddress address;
  private volatile int port;
  private volatile Effect effect;
  private volatile int fixedStatus;
  private volatile ServerSocket listener;
  private volatile CountDownLatch acceptLoopDone = new CountDownLatch(0);
  private final ExecutorService threads;
  private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
  private final AtomicInteger connectionCount = new AtomicInteger();
  private final AtomicInteger abortedResponses = new AtomicInteger();
  private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
  private final LinkedBlockingQueue<RecordedRequest> queue = new LinkedBlockingQueue<>();
  private final Semaphore gate = new Semaphore(0);
  private volatile boolean closed;
  private volatile boolean keepRequests = true;

  private WhoamiServer(String name, InetAddress address, int port, Effect effect) throws IOException {
    this.name = name;
    this.address = address;
    this.port = port;
    this.effect = effect;
    this.threads = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "whoami-" + name);
      t.setDaemon(true);
      return t;
    });
    listen();
  }

  /** Starts a server named {@code name} on {@code address} (a 127.0.0.x literal) and an ephemeral port. */
  public static WhoamiServer start(String name, String address) throws IOException {
    return start(name, address, 0);
  }

  /** Starts a server on {@code address:port}; port 0 picks an ephemeral one. */
  public static WhoamiServer start(String name, String address, int port) throws IOException {
    Objects.requireNonNull(name, "name");
    return new WhoamiServer(name, InetAddress.getByName(address), port, Effect.NORMAL);
  }

  public String name() {
    return name;
  }

  public InetAddress address() {
    return address;
  }

  /** The IP address as text ({@code 127.0.0.2}). */
  public String ip() {
    return address.getHostAddress();
  }

  public int port() {
    return port;
  }

  /** {@code ip:port}. */
  public String authority() {
    return ip() + ":" + port;
  }

  /** Sets what the server does with the requests it reads from now on. */
  public WhoamiServer effect(Effect effect) {
    this.effect = Objects.requireNonNull(effect, "effect");
    return this;
  }

  public Effect effect() {
    return effect;
  }

  /**
   * From now on answers every request, whatever its path, with {@code status} and an empty body,
   * as {@code /status/NNN} does (with {@link Effect#NORMAL}); 0 goes back to the normal answers.
   */
  public WhoamiServer answerWith(int status) {
    if (status != 0 && (status < 100 || status > 999)) {
      throw new IllegalArgumentException("status: " + status + " (expected: 100..999, or 0 for normal answers)");
    }
    this.fixedStatus = status;
    return this;
  }

  /**
   * Closes the listening socket and every open connection: new connections are refused (the
   * port stays reserved by nobody; {@link #restart()} binds it again).
   */
  public synchronized void stop() {
    ServerSocket l = listener;
    listener = null;
    closeQuietly(l);
    // Linux keeps a socket listening while a thread is still inside accept() on it (the JDK only
    // signals that thread), so a connect right after close() could still be accepted. Wait until
    // the accept loop has left: from then on connections are refused.
    try {
      if (!acceptLoopDone.await(5, TimeUnit.SECONDS)) {
        log.warn("{}: the accept thread did not stop within 5 s", name);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (Socket s : connections) {
      closeQuietly(s);
    }
  }

  /** Listens again on the same address and port after {@link #stop()}. */
  public synchronized void restart() throws IOException {
    if (listener == null) {
      listen();
    }
  }

  public boolean isListening() {
    return listener != null;
  }

  /** Lets one gated event of an {@code /sse} stream go. */
  public void release() {
    gate.release();
  }

  /** Every request received so far, in arrival order. */
  /**
   * Whether requests are kept for {@link #requests()} and {@link #takeRequest} (default true). The
   * demo turns it off: a replica serving for hours must not keep every request it has seen.
   */
  public WhoamiServer keepRequests(boolean keep) {
    this.keepRequests = keep;
    return this;
  }

  public List<RecordedRequest> requests() {
    return List.copyOf(requests);
  }

  public int requestCount() {
    return requests.size();
  }

  /** The next request not yet taken, waiting up to {@code timeout}; null if none came. */
  public RecordedRequest takeRequest(Duration timeout) throws InterruptedException {
    return queue.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Connections accepted so far. */
  public int connectionCount() {
    return connectionCount.get();
  }

  /** Connections open now. */
  public int openConnections() {
    return connections.size();
  }

  /** Responses whose body could not be written completely because the peer went away. */
  public int abortedResponses() {
    return abortedResponses.get();
  }

  @Override
  public void close() {
    closed = true;
    stop();
    threads.shutdownNow();
  }

  @Override
  public String toString() {
    return "WhoamiServer{" + name + " " + authority() + " " + effect + "}";
  }

  /** The name in the {@code Hostname:} line of a whoami answer's body, or null if it has none. */
  public static String hostnameOf(String body) {
    for (String line : body.split("\n")) {
      if (line.startsWith("Hostname: ")) {
        return line.substring("Hostname: ".length());
      }
    }
    return null;
  }

  /** The byte at {@code offset} of every generated body: a pattern a test can check without storing it. */
  public static byte patternByte(long offset) {
    return (byte) (offset % 251);
  }

  private void listen() throws IOException {
    ServerSocket l = new ServerSocket();
    l.setReuseAddress(true);
    l.bind(new InetSocketAddress(address, port), 200);
    port = l.getLocalPort();
    CountDownLatch done = new CountDownLatch(1);
    acceptLoopDone = done;
    listener = l;
    threads.execute(() -> {
      try {
        accept(l);
      } finally {
        done.countDown();
      }
    });
  }

  private void accept(ServerSocket l) {
    while (!l.isClosed()) {
      Socket s;
      try {
        s = l.accept();
      } catch (IOException e) {
        return; // closed by stop()
      }
      if (l.isClosed()) { // accepted in the instant stop() closed the listener: refuse it
        closeQuietly(s);
        return;
      }
      Effect onAccept = effect;
      if (onAccept == Effect.CLOSE_ON_ACCEPT || onAccept == Effect.RESET_ON_ACCEPT) { // here: no thread per connection
        int index = connectionCount.getAndIncrement();
        try {
          if (onAccept == Effect.RESET_ON_ACCEPT) {
            reset(s);
          }
        } catch (IOException ex) {
          log.debug("{}: reset of connection {} failed: {}", name, index, ex.toString());
        } finally {
          closeQuietly(s);
        }
        continue;
      }
      connections.add(s); // before it is counted: a test that saw the count then sees it open until it ends
      int index = connectionCount.getAndIncrement();
      try {
        threads.execute(() -> serve(s, index));
      } catch (RuntimeException e) { // executor shut down
        closeQuietly(s);
        connections.remove(s);
      }
    }
  }

  private void serve(Socket socket, int index) {
    try (socket) {
      socket.setTcpNoDelay(true);
      InputStream in = new java.io.BufferedInputStream(socket.getInputStream(), 64 * 1024);
      OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
      String remote = socket.getInetAddress().getHostAddress() + ":" + socket.getPort();
      while (!closed) {
        Head head = Head.read(in);
        if (head == null) {
          return;
        }
        if (!handle(head, in, out, socket, remote, index)) {
          return;
        }
      }
    } catch (IOException e) {
      log.debug("{}: connection {} ended: {}", name, index, e.toString());
    } finally {
      connections.remove(socket);
    }
  }

  /** Handles one request; returns whether the connection may carry another one. */
  private boolean handle(Head head, InputStream in, OutputStream out, Socket socket, String remote, int index)
      throws IOException {
    Effect e = effect;
    int fixed = fixedStatus;
    String path = head.path();
    Map<String, String> query = head.query();
    String key = head.header("sec-websocket-key");
    if (e == Effect.NORMAL && fixed == 0 && key != null && "websocket".equalsIgnoreCase(head.header("upgrade"))) {
      record(head, 0, 0, remote, index);
      WebSocketEcho.serve(key, name, in, out); // the connection is the socket's until it closes
      return false;
    }
    boolean echo = e == Effect.NORMAL && fixed == 0 && path.equals("/echo");
    Body body = echo ? null : Body.consume(head, in);
    if (!echo) {
      record(head, body.length, body.crc, remote, index);
    }
    switch (e) {
      case STALL:
        // hold the connection open, reading nothing more, until the peer or close() ends it
        while (!closed && in.read() >= 0) {
          // discard
        }
        return false;
      case RESET_BEFORE_RESPONSE:
        reset(socket);
        return false;
      case RESET_MID_RESPONSE:
        // chunked, so a proxy that ends the response cleanly would hide the failure from its client
        out.write(ascii("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "7\r\npartial\r\n"));
        out.flush();
        reset(socket);
        return false;
      case MALFORMED:
        out.write(ascii("THIS IS NOT HTTP\r\n\r\n"));
        out.flush();
        return false;
      case CLOSE_BEFORE_RESPONSE:
      case CLOSE_ON_ACCEPT: // the effect changed after this connection was accepted
      case RESET_ON_ACCEPT:
        return false;
      default:
        break;
    }
    boolean keepAlive = !"close".equalsIgnoreCase(head.header("connection")) && "HTTP/1.1".equals(head.version);
    String connection = keepAlive ? "" : "Connection: close\r\n";
    if (echo) {
      out.write(ascii("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n"
          + connection + "\r\n"));
      Body b = Body.copy(head, in, out);
      out.write(ascii("0\r\n\r\n"));
      out.flush();
      record(head, b.length, b.crc, remote, index);
      return keepAlive;
    }
    if (fixed != 0) {
      writeStatus(out, fixed, connection);
      return keepAlive;
    }
    try {
      String wait = query.get("wait");
      if (wait != null) {
        long millis = waitMillis(wait);
        if (millis < 0) {
          writeText(out, 400, "wait: '" + wait + "' (expected: a duration such as 500ms, 2s or 1m, at most 10m)\n", "",
              connection);
          return keepAlive;
        }
        Thread.sleep(millis);
      }
      if (e == Effect.CLOSE_AFTER_RESPONSE) { // answered as if the connection stayed, then closed unannounced
        writeText(out, 200, whoami(head, remote), "", connection);
        return false;
      }
      if ((path.equals("/data") || path.equals("/stream"))
          && !(isNumber(query.getOrDefault("size", "0")) && isNumber(query.getOrDefault("chunks", "0")))) {
        writeText(out, 400, "size, chunks: expected whole numbers\n", "", connection);
        return keepAlive;
      }
      if (path.equals("/data")) {
        long size = Long.parseLong(query.getOrDefault("size", "0"));
        boolean chunked = Boolean.parseBoolean(query.getOrDefault("chunked", "false"));
        out.write(ascii("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
            + (chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + size + "\r\n") + connection + "\r\n"));
        writePattern(out, size, chunked);
        if (chunked) {
          out.write(ascii("0\r\n\r\n"));
        }
        out.flush();
      } else if (path.equals("/stream")) {
        int chunks = Integer.parseInt(query.getOrDefault("chunks", "3"));
        int size = Integer.parseInt(query.getOrDefault("size", "16"));
        out.write(ascii("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n"
            + connection + "\r\n"));
        for (int i = 0; i < chunks; i++) {
          writePattern(out, size, true);
          out.flush();
        }
        out.write(ascii("0\r\n\r\n"));
        out.flush();
      } else if (path.equals("/sse")) {
        int events = Integer.parseInt(query.getOrDefault("events", "3"));
        out.write(ascii("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
            + "Transfer-Encoding: chunked\r\n" + connection + "\r\n"));
        out.flush();
        for (int i = 0; i < events; i++) {
          if (i > 0 && !gate.tryAcquire(30, TimeUnit.SECONDS)) {
            throw new IOException("sse: no release() within 30 s");
          }
          writeChunk(out, ascii("data: event " + i + "\n\n"));
          out.flush();
        }
        out.write(ascii("0\r\n\r\n"));
        out.flush();
      } else if (path.equals("/sink")) {
        writeText(out, 200, "Body-Length: " + body.length + "\nBody-CRC32: " + Long.toHexString(body.crc) + "\n", "",
            connection);
      } else if (path.startsWith("/status/")) {
        writeStatus(out, Integer.parseInt(path.substring("/status/".length())), connection);
      } else if (path.equals("/big-header")) {
        String size = query.getOrDefault("size", "0");
        if (!isNumber(size) || Long.parseLong(size) > 16 * 1024 * 1024) {
          writeText(out, 400, "size: expected a whole number up to 16 MiB\n", "", connection);
          return keepAlive;
        }
        writeText(out, 200, whoami(head, remote), "X-Big: " + "x".repeat(Integer.parseInt(size)) + "\r\n", connection);
      } else if (path.equals("/websocket")) {
        byte[] page = WebSocketEcho.page(name).getBytes(StandardCharsets.UTF_8);
        out.write(ascii("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: " + page.length
            + "\r\n" + connection + "\r\n"));
        out.write(page);
        out.flush();
      } else if (path.equals("/set-cookie")) {
        writeText(out, 200, whoami(head, remote),
            "Set-Cookie: JSESSIONID=backend-" + name + "; Path=/; HttpOnly\r\nSet-Cookie: theme=dark\r\n", connection);
      } else if (head.method.equals("HEAD")) {
        writeHead(out, 200, whoami(head, remote), "", connection);
        out.flush();
      } else {
        writeText(out, 200, whoami(head, remote), "", connection);
      }
    } catch (SocketException ex) {
      abortedResponses.incrementAndGet();
      throw ex;
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
      return false;
    }
    return keepAlive;
  }

  /** {@code 500ms}, {@code 2s}, {@code 1m} (a bare number is seconds); -1 if malformed or over 10 minutes. */
  private static boolean isNumber(String text) {
    return !text.isEmpty() && text.length() <= 12 && text.chars().allMatch(c -> c >= '0' && c <= '9');
  }

  static long waitMillis(String text) {
    String t = text.trim();
    long unit;
    String digits;
    if (t.endsWith("ms")) {
      unit = 1;
      digits = t.substring(0, t.length() - 2);
    } else if (t.endsWith("s")) {
      unit = 1000;
      digits = t.substring(0, t.length() - 1);
    } else if (t.endsWith("m")) {
      unit = 60_000;
      digits = t.substring(0, t.length() - 1);
    } else {
      unit = 1000;
      digits = t;
    }
    if (digits.isEmpty() || digits.length() > 9 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return -1;
    }
    long millis = Long.parseLong(digits) * unit;
    return millis <= 600_000 ? millis : -1;
  }

  private String whoami(Head head, String remote) {
    StringBuilder sb = new StringBuilder();
    sb.append("Hostname: ").append(name).append('\n');
    sb.append("IP: ").append(ip()).append('\n');
    sb.append("RemoteAddr: ").append(remote).append('\n');
    sb.append(head.method).append(' ').append(head.target).append(' ').append(head.version).append('\n');
    for (Map.Entry<String, String> h : head.headers) {
      sb.append(h.getKey()).append(": ").append(h.getValue()).append('\n');
    }
    sb.append('\n');
    return sb.toString();
  }

  private void record(Head head, long length, long crc, String remote, int index) {
    if (!keepRequests) {
      return;
    }
    RecordedRequest r = new RecordedRequest(head.method, head.target, head.version, head.headers, head.raw, length, crc,
        remote, index);
    requests.add(r);
    queue.add(r);
  }

  private static void writeText(OutputStream out, int status, String text, String extraHeaders, String connection)
      throws IOException {
    byte[] bytes = writeHead(out, status, text, extraHeaders, connection);
    out.write(bytes);
    out.flush();
  }

  /** Writes the head {@link #writeText} sends (alone: the answer to a {@code HEAD}); returns the body it describes. */
  private static byte[] writeHead(OutputStream out, int status, String text, String extraHeaders, String connection)
      throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    out.write(ascii("HTTP/1.1 " + status + " OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: "
        + bytes.length + "\r\n" + extraHeaders + connection + "\r\n"));
    return bytes;
  }

  private static void writeStatus(OutputStream out, int status, String connection) throws IOException {
    out.write(ascii("HTTP/1.1 " + status + " Status " + status + "\r\nContent-Length: 0\r\n" + connection + "\r\n"));
    out.flush();
  }

  private static void writePattern(OutputStream out, long size, boolean chunked) throws IOException {
    int block = 64 * 1024;
    long offset = 0;
    while (offset < size) {
      int n = (int) Math.min(block, size - offset);
      int start = (int) (offset % PATTERN_PERIOD); // the pattern repeats: copy, don't compute
      if (chunked) {
        out.write(ascii(Integer.toHexString(n) + "\r\n"));
        out.write(PATTERN, start, n);
        out.write(ascii("\r\n"));
      } else {
        out.write(PATTERN, start, n);
      }
      offset += n;
    }
  }

  private static final int PATTERN_PERIOD = 251;
  /** patternByte(i) for i in [0, 64 KiB + period): any 64 KiB window of a body starts in its first period. */
  private static final byte[] PATTERN = new byte[64 * 1024 + PATTERN_PERIOD];

  static {
    for (int i = 0; i < PATTERN.length; i++) {
      PATTERN[i] = patternByte(i);
    }
  }

  /**
   * Compares {@code length} bytes of {@code data} from {@code from} with the pattern at body
   * offset {@code offset}; returns the number of bytes that differ. Lets a test check a streamed
   * body without storing it.
   */
  public static long patternMismatches(byte[] data, int from, int length, long offset) {
    long bad = 0;
    int done = 0;
    while (done < length) {
      int n = Math.min(length - done, 64 * 1024);
      int start = (int) ((offset + done) % PATTERN_PERIOD);
      if (java.util.Arrays.mismatch(data, from + done, from + done + n, PATTERN, start, start + n) >= 0) {
        for (int i = 0; i < n; i++) {
          if (data[from + done + i] != PATTERN[start + i]) {
            bad++;
          }
        }
      }
      done += n;
    }
    return bad;
  }

  private static void writeChunk(OutputStream out, byte[] data) throws IOException {
    out.write(ascii(Integer.toHexString(data.length) + "\r\n"));
    out.write(data);
    out.write(ascii("\r\n"));
  }

  private static void reset(Socket socket) throws IOException {
    socket.setSoLinger(true, 0); // close() now sends RST instead of FIN
    socket.close();
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  private static void closeQuietly(Closeable c) {
    if (c != null) {
      try {
        c.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
  }

  /** A parsed request head. */
  private static final class Head {
    final String method;
    final String target;
    final String version;
    final List<Map.Entry<String, String>> headers;
    final String raw;

    Head(String method, String target, String version, List<Map.Entry<String, String>> headers, String raw) {
      this.method = method;
      this.target = target;
      this.version = version;
      this.headers = headers;
      this.raw = raw;
    }

    /** Reads a request head; null at a clean end of stream before any byte. */
    static Head read(InputStream in) throws IOException {
      ByteArrayOutputStream raw = new ByteArrayOutputStream(256);
      String requestLine = line(in, true, raw);
      while (requestLine != null && requestLine.isEmpty()) {
        raw.reset();
        requestLine = line(in, true, raw); // tolerate blank lines between requests
      }
      if (requestLine == null) {
        return null;
      }
      String[] parts = requestLine.split(" ");
      if (parts.length != 3) {
        throw new IOException("bad request line: " + requestLine);
      }
      List<Map.Entry<String, String>> headers = new ArrayList<>();
      int total = requestLine.length();
      for (String l = line(in, false, raw); !l.isEmpty(); l = line(in, false, raw)) {
        total += l.length();
        if (total > MAX_HEAD) {
          throw new IOException("request head larger than " + MAX_HEAD);
        }
        int colon = l.indexOf(':');
        if (colon <= 0) {
          throw new IOException("bad header line: " + l);
        }
        headers.add(new AbstractMap.SimpleImmutableEntry<>(l.substring(0, colon), l.substring(colon + 1).trim()));
      }
      return new Head(parts[0], parts[1], parts[2], headers, raw.toString(StandardCharsets.ISO_8859_1));
    }

    String header(String name) {
      for (Map.Entry<String, String> h : headers) {
        if (h.getKey().equalsIgnoreCase(name)) {
          return h.getValue();
        }
      }
      return null;
    }

    String path() {
      int q = target.indexOf('?');
      return q < 0 ? target : target.substring(0, q);
    }

    Map<String, String> query() {
      Map<String, String> map = new HashMap<>();
      int q = target.indexOf('?');
      if (q >= 0) {
        for (String pair : target.substring(q + 1).split("&")) {
          int eq = pair.indexOf('=');
          String k = eq < 0 ? pair : pair.substring(0, eq);
          String v = eq < 0 ? "" : pair.substring(eq + 1);
          map.put(URLDecoder.decode(k, StandardCharsets.UTF_8), URLDecoder.decode(v, StandardCharsets.UTF_8));
        }
      }
      return map;
    }

    private static String line(InputStream in, boolean eofOk) throws IOException {
      return line(in, eofOk, null);
    }

    /** Reads one line without its end; appends the bytes read, line end included, to {@code raw} if given. */
    private static String line(InputStream in, boolean eofOk, ByteArrayOutputStream raw) throws IOException {
      ByteArrayOutputStream buf = new ByteArrayOutputStream(128);
      for (;;) {
        int c = in.read();
        if (c < 0) {
          if (eofOk && buf.size() == 0) {
            return null;
          }
          throw new IOException("end of stream inside a request head");
        }
        if (raw != null) {
          raw.write(c);
        }
        if (c == '\n') {
          break;
        }
        if (buf.size() > MAX_HEAD) {
          throw new IOException("header line longer than " + MAX_HEAD);
        }
        buf.write(c);
      }
      String s = buf.toString(StandardCharsets.ISO_8859_1);
      return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }
  }

  /** A request body, consumed and summarized, or copied to a chunked response as it arrives. */
  private static final class Body {
    long length;
    long crc;

    static Body consume(Head head, InputStream in) throws IOException {
      return transfer(head, in, null);
    }

    static Body copy(Head head, InputStream in, OutputStream out) throws IOException {
      return transfer(head, in, out);
    }

    private static Body transfer(Head head, InputStream in, OutputStream out) throws IOException {
      Body body = new Body();
      CRC32 crc = new CRC32();
      byte[] buf = new byte[64 * 1024];
      String te = head.header("transfer-encoding");
      if (te != null && te.toLowerCase(java.util.Locale.ROOT).contains("chunked")) {
        for (;;) {
          String sizeLine = Head.line(in, false);
          int semi = sizeLine.indexOf(';');
          long size = Long.parseLong((semi < 0 ? sizeLine : sizeLine.substring(0, semi)).trim(), 16);
          if (size == 0) {
            while (!Head.line(in, false).isEmpty()) {
              // trailers: ignored
            }
            break;
          }
          body.length += pipe(in, out, size, buf, crc);
          Head.line(in, false);
        }
      } else {
        String cl = head.header("content-length");
        if (cl != null) {
          body.length = pipe(in, out, Long.parseLong(cl.trim()), buf, crc);
        }
      }
      body.crc = crc.getValue();
      return body;
    }

    private static long pipe(InputStream in, OutputStream out, long size, byte[] buf, CRC32 crc) throws IOException {
      long left = size;
      while (left > 0) {
        int n = in.read(buf, 0, (int) Math.min(buf.length, left));
        if (n < 0) {
          throw new IOException("end of stream inside a request body");
        }
        crc.update(buf, 0, n);
        if (out != null) {
          out.write(ascii(Integer.toHexString(n) + "\r\n"));
          out.write(buf, 0, n);
          out.write(ascii("\r\n"));
          out.flush();
        }
        left -= n;
      }
      return size;
    }
  }
}
