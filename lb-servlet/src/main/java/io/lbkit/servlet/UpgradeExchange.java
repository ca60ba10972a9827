package io.lbkit.servlet;

import io.lbkit.core.Selection;
import io.lbkit.core.Server;
import io.lbkit.core.TriedServers;
import io.lbkit.proxy.AttemptFailure;
import io.lbkit.proxy.ErrorResponse;
import io.lbkit.proxy.HeaderSource;
import io.lbkit.proxy.RetryPolicy;
import io.lbkit.proxy.UpgradePolicy;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.net.SocketTimeoutException;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.nio.channels.InterruptedByTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;

/**
 * The handshake of a tunnel ({@code Connection: upgrade}, {@link UpgradePolicy}): connect to the
 * selected server, send the request head, read the answer; on 101 relay its head, call
 * {@link HttpServletRequest#upgrade} and hand the connection to a {@link Tunnel}; any other answer
 * is relayed as is. A connection refused or closed before the answer is retried like any request
 * ({@link RetryPolicy}), after HAProxy's delay when it is the same server again.
 *
 * <p>The handshake holds no thread: the request goes async, the connect, the request head and the
 * response head are non-blocking ({@code timeout-connect}, {@code timeout-server}), the retry delay
 * is a scheduled task. Its outcome is handed back with {@code AsyncContext.dispatch()}: the Servlet
 * API upgrades a request only from one of its dispatches (Jetty 12 and Tomcat 10.1/11 do from an
 * ASYNC one), so the filter, called again for that dispatch, {@linkplain #finish finishes} it. That
 * needs the filter mapped for {@code DispatcherType.ASYNC} ({@link FilterMappings}); without it the
 * same steps run while the calling thread waits for their outcome, as before.
 */
final class UpgradeExchange {
  /** The request attribute that carries a handshake's outcome to its ASYNC dispatch. */
  static final String ATTRIBUTE = "io.lbkit.servlet.upgrade";

  private final ProxyContext context;
  private final Tunnels tunnels;
  private final UpgradePolicy policy;
  private final Logger log;
  private final HttpServletRequest request;
  private final HttpServletResponse response;
  private final String upgrade;
  // the request as the container thread saw it: later attempts run on other threads
  private final String method;
  private final String target;
  private final HeaderSource headers;
  private final String clientAddress;
  private final String scheme;
  private final int localPort;
  private final boolean idempotent;
  private final TriedServers tried = new TriedServers(); // by endpoint: survives snapshot publishes

  private AsyncContext async; // null: the calling thread waits
  private final CompletableFuture<Void> done = new CompletableFuture<>();
  private int attempts;
  private Selection selection;
  // the attempt in flight, and its outcome once done
  private AsynchronousSocketChannel channel;
  private ChannelInput in;
  private volatile boolean connected;
  private volatile boolean connectTimedOut;
  private Head head; // the answer, or null with `error` set
  private ErrorResponse error;

  UpgradeExchange(ProxyContext context, Tunnels tunnels, UpgradePolicy policy, HttpServletRequest request,
      HttpServletResponse response, String upgrade) {
    this.context = context;
    this.tunnels = tunnels;
    this.policy = policy;
    this.log = context.log;
    this.request = request;
    this.response = response;
    this.upgrade = upgrade;
    this.method = request.getMethod();
    String query = request.getQueryString();
    this.target = query == null ? request.getRequestURI() : request.getRequestURI() + "?" + query;
    List<String[]> lines = new ArrayList<>();
    ServletHeaders.of(request).forEach((name, value) -> lines.add(new String[] {name, value}));
    this.headers = line -> lines.forEach(l -> line.accept(l[0], l[1]));
    this.clientAddress = request.getRemoteAddr();
    this.scheme = request.getScheme();
    this.localPort = request.getLocalPort();
    this.idempotent = RetryPolicy.isIdempotent(method);
  }

  /**
   * Starts the handshake. With {@code dispatch}, the request goes async and the filter's ASYNC
   * dispatch calls {@link #finish}; without, this thread waits for the outcome and finishes.
   */
  void start(Selection first, boolean dispatch) throws IOException, ServletException {
    selection = first;
    if (dispatch) {
      async = request.startAsync(request, response);
      async.setTimeout(0); // timeout-connect and timeout-server bound the handshake
      attempt();
      return;
    }
    attempt();
    try {
      done.get();
    } catch (ExecutionException e) {
      throw new ServletException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      fail(new InterruptedIOException("interrupted"));
    }
    finish();
  }

  /** One attempt on {@code selection}: connect, send the head, read the answer's head. */
  private void attempt() {
    attempts++;
    Server server = selection.server();
    tried.add(server);
    server.stats().requestStarted();
    connected = false;
    connectTimedOut = false;
    try {
      channel = tunnels.newChannel();
    } catch (IOException e) {
      attemptFailed(e);
      return;
    }
    in = new ChannelInput(channel, context.options.timeoutServer().toMillis());
    AsynchronousSocketChannel c = channel;
    long connectMillis = context.options.timeoutConnect().toMillis();
    Scheduler.Task timeout = context.client.getScheduler().schedule(() -> {
      connectTimedOut = true;
      close(c); // fails the pending connect
    }, connectMillis, TimeUnit.MILLISECONDS);
    InetSocketAddress address = new InetSocketAddress(server.endpoint().ipAddress(), server.endpoint().port());
    c.connect(address, null, new CompletionHandler<Void, Void>() {
      @Override
      public void completed(Void nothing, Void nothing2) {
        if (!timeout.cancel() && connectTimedOut) {
          attemptFailed(new SocketTimeoutException("timeout-connect (" + connectMillis + " ms)"));
          return;
        }
        connected = true;
        ByteBuffer b = ByteBuffer.wrap(policy.requestHead(method, target, headers, clientAddress, scheme, localPort,
            upgrade, server.endpoint().authority()));
        writeHead(b);
      }

      @Override
      public void failed(Throwable t, Void nothing) {
        timeout.cancel();
        attemptFailed(connectTimedOut ? new SocketTimeoutException("timeout-connect (" + connectMillis + " ms)") : t);
      }
    });
  }

  private void writeHead(ByteBuffer b) {
    channel.write(b, context.options.timeoutServer().toMillis(), TimeUnit.MILLISECONDS, null,
        new CompletionHandler<Integer, Void>() {
          @Override
          public void completed(Integer n, Void nothing) {
            if (b.hasRemaining()) {
              writeHead(b);
            } else {
              readHead();
            }
          }

          @Override
          public void failed(Throwable t, Void nothing) {
            attemptFailed(t instanceof InterruptedByTimeoutException
                ? new SocketTimeoutException("timeout-server (" + context.options.timeoutServer().toMillis() + " ms)")
                : t);
          }
        });
  }

  private void readHead() {
    try {
      while (in.headBuffered()) {
        Head h = Head.read(in); // from the buffer: no blocking read
        if (h != null) {
          context.group.recordRequestSuccess(selection.server());
          head = h;
          deliver();
          return;
        }
      }
    } catch (IOException e) {
      attemptFailed(e);
      return;
    }
    in.fillLater(new CompletionHandler<Boolean, Void>() {
      @Override
      public void completed(Boolean more, Void nothing) {
        if (more) {
          readHead();
        } else {
          attemptFailed(new java.io.EOFException("connection closed by the server"));
        }
      }

      @Override
      public void failed(Throwable t, Void nothing) {
        attemptFailed(t);
      }
    });
  }

  /** The attempt failed before an answer: another one (maybe later), or the error to answer. */
  private void attemptFailed(Throwable t) {
    IOException e = t instanceof IOException ? (IOException) t : new IOException(t);
    Server server = selection.server();
    String what = Failures.describe(e);
    context.group.recordRequestFailure(server, what);
    server.stats().requestEnded();
    close(channel);
    String backend = context.group.name();
    if (context.stopping()) {
      error = ErrorResponse.NO_SERVER;
      deliver();
      return;
    }
    AttemptFailure failure = AttemptFailure.classify(connected, Failures.isTimeout(e),
        (in != null && in.received() > 0) || e instanceof ChannelInput.BadResponseException);
    RetryPolicy retries = context.retries;
    // the same rule as any request: every untried server gets an attempt, then `retries` bounds repeats
    Selection next = retries.nextAttempt(failure, idempotent, false, attempts, selection, tried);
    if (!next.isEmpty()) {
      server.stats().retry();
      log.info("{}: upgrade {} to {} failed: {}; retry {}/{} on {}", backend, target,
          Failures.describe(server), what, attempts, retries.retries(), Failures.describe(next.server()));
      boolean same = RetryPolicy.sameEndpoint(selection, next);
      selection = next;
      if (same) { // HAProxy's delay before the same server again, on a timer
        context.client.getScheduler().schedule(this::attempt, retries.sameServerDelayMillis(), TimeUnit.MILLISECONDS);
      } else {
        attempt();
      }
      return;
    }
    error = retries.answer(failure, idempotent, false);
    log.warn("{}: upgrade {} to {} failed after {} attempt(s): {}; answering {}", backend, target,
        Failures.describe(server), attempts, what, error.status());
    deliver();
  }

  /** The outcome is known: back to a container thread. */
  private void deliver() {
    if (async == null) {
      done.complete(null);
      return;
    }
    request.setAttribute(ATTRIBUTE, this);
    async.dispatch();
  }

  /** Answers the client on a dispatch of the request: the tunnel, the server's answer or the error. */
  void finish() throws IOException, ServletException {
    request.removeAttribute(ATTRIBUTE);
    if (head == null) {
      ServletHeaders.writeError(response, error == null ? ErrorResponse.BAD_GATEWAY : error);
      return;
    }
    Server server = selection.server();
    boolean handedOver = false;
    try {
      if (head.status == 101) {
        switchProtocols(head, in, channel, selection);
        handedOver = true;
      } else {
        relay(head, in, selection);
      }
    } catch (IOException e) {
      String what = Failures.describe(e);
      if (response.isCommitted()) {
        log.warn("{}: {} failed mid-response to {} {}: {}; aborting the client connection", context.group.name(),
            Failures.describe(server), method, target, what);
        ConnectionAbort.abort(response);
      } else {
        log.warn("{}: upgrade {} to {} failed: {}; answering 502", context.group.name(), target,
            Failures.describe(server), what);
        ServletHeaders.writeError(response, ErrorResponse.BAD_GATEWAY);
      }
    } finally {
      if (!handedOver) {
        server.stats().requestEnded();
        close(channel);
      }
    }
  }

  private void fail(IOException e) {
    error = ErrorResponse.BAD_GATEWAY;
    head = null;
    log.warn("{}: upgrade {} failed: {}", context.group.name(), target, Failures.describe(e));
  }

  private void switchProtocols(Head head, ChannelInput in, AsynchronousSocketChannel channel, Selection selection)
      throws IOException, ServletException {
    policy.switchingResponse(head, selection, ServletHeaders.to(response));
    // when the container refuses, run()'s finally closes the channel and ends the request
    TunnelHandler handler = request.upgrade(TunnelHandler.class);
    // the container's idle timeout (Jetty's is timeout-client in the standalone) must not cut the tunnel
    Object endPoint = ConnectionAbort.jettyEndPoint(request);
    ConnectionAbort.keepUpgradedConnectionFor(endPoint, context.options.timeoutTunnel().toMillis() + 60_000);
    // the container calls init() once the filter returns, so the tunnel is attached in time
    handler.attach(new Tunnel(context, tunnels, channel, in.takeBuffered(), selection, endPoint,
        method + " " + request.getRequestURI()));
  }

  /** An answer other than 101, status, lines and body as the server sent them. */
  private void relay(Head head, ChannelInput in, Selection selection) throws IOException {
    response.setStatus(head.status);
    context.headers.response(head, selection, ServletHeaders.to(response));
    boolean bodyless = head.status < 200 || head.status == 204 || head.status == 304
        || request.getMethod().equals("HEAD");
    if (bodyless) {
      return;
    }
    ServletOutputStream out = response.getOutputStream();
    byte[] buf = new byte[8192];
    if (head.chunked()) {
      for (long size = chunkSize(in.line()); size > 0; size = chunkSize(in.line())) {
        copy(in, out, size, buf);
        in.line();
      }
      for (String l = in.line(); !l.isEmpty(); l = in.line()) {
        // trailers: dropped
      }
    } else if (head.contentLength() >= 0) {
      copy(in, out, head.contentLength(), buf);
    } else {
      for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
        out.write(buf, 0, n);
      }
    }
  }

  private static long chunkSize(String line) throws IOException {
    int semi = line.indexOf(';');
    try {
      return Long.parseLong((semi < 0 ? line : line.substring(0, semi)).trim(), 16);
    } catch (NumberFormatException e) {
      throw new ChannelInput.BadResponseException("bad chunk size: " + line);
    }
  }

  private static void copy(ChannelInput in, ServletOutputStream out, long length, byte[] buf) throws IOException {
    long left = length;
    while (left > 0) {
      int n = in.read(buf, 0, (int) Math.min(buf.length, left));
      if (n < 0) {
        throw new java.io.EOFException("connection closed by the server");
      }
      out.write(buf, 0, n);
      left -= n;
    }
  }

  private static void close(AsynchronousSocketChannel channel) {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
  }

  /** A response head: status and lines. */
  private static final class Head implements HeaderSource {
    final int status;
    final List<String[]> lines;

    private Head(int status, List<String[]> lines) {
      this.status = status;
      this.lines = lines;
    }

    /** One head from a buffered one; null for a 1xx other than 101 (the final answer follows). */
    static Head read(ChannelInput in) throws IOException {
      String statusLine = in.line();
      if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12 || statusLine.charAt(8) != ' ') {
        throw new ChannelInput.BadResponseException("not an HTTP/1.x status line");
      }
      int status;
      try {
        status = Integer.parseInt(statusLine.substring(9, 12));
      } catch (NumberFormatException e) {
        throw new ChannelInput.BadResponseException("bad status: " + statusLine);
      }
      List<String[]> lines = new ArrayList<>();
      for (String l = in.line(); !l.isEmpty(); l = in.line()) {
        int colon = l.indexOf(':');
        if (colon <= 0 || lines.size() > 200) {
          throw new ChannelInput.BadResponseException("bad header line");
        }
        lines.add(new String[] {l.substring(0, colon).trim(), l.substring(colon + 1).trim()});
      }
      if (status >= 100 && status < 200 && status != 101) {
        return null; // 100 Continue, 103 Early Hints
      }
      return new Head(status, lines);
    }

    @Override
    public void forEach(java.util.function.BiConsumer<String, String> line) {
      for (String[] l : lines) {
        line.accept(l[0], l[1]);
      }
    }

    boolean chunked() {
      for (String[] l : lines) {
        if (l[0].equalsIgnoreCase("transfer-encoding") && l[1].toLowerCase(Locale.ROOT).contains("chunked")) {
          return true;
        }
      }
      return false;
    }

    long contentLength() throws IOException {
      for (String[] l : lines) {
        if (l[0].equalsIgnoreCase("content-length")) {
          try {
            return Long.parseLong(l[1]);
          } catch (NumberFormatException e) {
            throw new ChannelInput.BadResponseException("bad Content-Length");
          }
        }
      }
      return -1;
    }
  }
}
