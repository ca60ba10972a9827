package io.lbkit.servlet;

import io.lbkit.core.Selection;
import io.lbkit.core.Server;
import io.lbkit.core.TriedServers;
import io.lbkit.proxy.AttemptFailure;
import io.lbkit.proxy.ErrorResponse;
import io.lbkit.proxy.HeaderSource;
import io.lbkit.proxy.RetryPolicy;
import io.lbkit.proxy.UpgradePolicy;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousSocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;

/**
 * The handshake of a tunnel ({@code Connection: upgrade}, {@link UpgradePolicy}): connect to the
 * selected server, send the request head, read the answer; on 101 relay its head, call
 * {@link HttpServletRequest#upgrade} and hand the connection to a {@link Tunnel}; any other answer
 * is relayed as is. A connection refused or closed before the answer is retried like any request
 * ({@link RetryPolicy}).
 *
 * <p>The handshake runs on the container thread that called the filter, bounded by
 * {@code timeout-connect} and {@code timeout-server}: the Servlet API upgrades a request only from
 * its own dispatch (Tomcat does not upgrade a request in async mode), so that thread must be the
 * one that sees the 101. It carries no body, so it takes milliseconds; the tunnel after it holds
 * no thread.
 */
final class UpgradeExchange {
  private final ProxyContext context;
  private final Tunnels tunnels;
  private final UpgradePolicy policy;
  private final Logger log;
  private final HttpServletRequest request;
  private final HttpServletResponse response;
  private final String upgrade;

  UpgradeExchange(ProxyContext context, Tunnels tunnels, UpgradePolicy policy, HttpServletRequest request,
      HttpServletResponse response, String upgrade) {
    this.context = context;
    this.tunnels = tunnels;
    this.policy = policy;
    this.log = context.log;
    this.request = request;
    this.response = response;
    this.upgrade = upgrade;
  }

  /** Answers the request: a tunnel after a 101, the server's other answer, or an error. */
  void run(Selection first) throws IOException, ServletException {
    RetryPolicy retries = context.retries;
    boolean idempotent = RetryPolicy.isIdempotent(request.getMethod());
    TriedServers tried = new TriedServers(); // by endpoint: survives snapshot publishes
    Selection selection = first;
    String backend = context.group.name();
    for (int attempts = 1; ; attempts++) {
      Server server = selection.server();
      tried.add(server);
      server.stats().requestStarted();
      AsynchronousSocketChannel channel = null;
      ChannelInput in = null;
      boolean connected = false;
      boolean handedOver = false;
      try {
        channel = tunnels.newChannel();
        connect(channel, server);
        connected = true;
        write(channel, policy.requestHead(request.getMethod(), target(), ServletHeaders.of(request),
            request.getRemoteAddr(), request.getScheme(), request.getLocalPort(), upgrade,
            server.endpoint().authority()));
        in = new ChannelInput(channel, context.options.timeoutServer().toMillis());
        Head head = Head.read(in);
        context.group.recordRequestSuccess(server);
        if (head.status == 101) {
          switchProtocols(head, in, channel, selection);
          handedOver = true;
          return;
        }
        relay(head, in, selection);
        return;
      } catch (IOException e) {
        String what = Failures.describe(e);
        context.group.recordRequestFailure(server, what);
        if (response.isCommitted()) {
          log.warn("{}: {} failed mid-response to {} {}: {}; aborting the client connection", backend,
              Failures.describe(server), request.getMethod(), request.getRequestURI(), what);
          ConnectionAbort.abort(response);
          return;
        }
        if (context.stopping()) {
          ServletHeaders.writeError(response, ErrorResponse.NO_SERVER);
          return;
        }
        AttemptFailure failure = AttemptFailure.classify(connected, Failures.isTimeout(e),
            (in != null && in.received() > 0) || e instanceof ChannelInput.BadResponseException);
        // the same rule as any request: every untried server gets an attempt, then `retries` bounds repeats
        Selection next = retries.nextAttempt(failure, idempotent, false, attempts, selection, tried);
        if (!next.isEmpty()) {
          server.stats().retry();
          log.info("{}: upgrade {} to {} failed: {}; retry {}/{} on {}", backend, request.getRequestURI(),
              Failures.describe(server), what, attempts, retries.retries(), Failures.describe(next.server()));
          if (RetryPolicy.sameEndpoint(selection, next)) {
            pause(retries.sameServerDelayMillis());
          }
          selection = next;
          continue;
        }
        ErrorResponse answer = retries.answer(failure, idempotent, false);
        log.warn("{}: upgrade {} to {} failed after {} attempt(s): {}; answering {}", backend,
            request.getRequestURI(), Failures.describe(server), attempts, what, answer.status());
        ServletHeaders.writeError(response, answer);
        return;
      } finally {
        if (!handedOver) {
          server.stats().requestEnded();
          close(channel);
        }
      }
    }
  }

  private String target() {
    String query = request.getQueryString();
    return query == null ? request.getRequestURI() : request.getRequestURI() + "?" + query;
  }

  private void connect(AsynchronousSocketChannel channel, Server server) throws IOException {
    InetSocketAddress address = new InetSocketAddress(server.endpoint().ipAddress(), server.endpoint().port());
    await(channel.connect(address), context.options.timeoutConnect().toMillis(), "timeout-connect");
  }

  private void write(AsynchronousSocketChannel channel, byte[] head) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(head);
    while (b.hasRemaining()) {
      await(channel.write(b), context.options.timeoutServer().toMillis(), "timeout-server");
    }
  }

  private static <T> T await(java.util.concurrent.Future<T> f, long millis, String timeout) throws IOException {
    try {
      return f.get(millis, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      f.cancel(true);
      throw new IOException(timeout + " (" + millis + " ms)", e);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof IOException ? (IOException) e.getCause() : new IOException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted");
    }
  }

  private static void pause(long millis) throws InterruptedIOException {
    try {
      Thread.sleep(millis); // HAProxy's delay before the same server again; the handshake holds this thread anyway
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted");
    }
  }

  private void switchProtocols(Head head, ChannelInput in, AsynchronousSocketChannel channel, Selection selection)
      throws IOException, ServletException {
    policy.switchingResponse(head, selection, ServletHeaders.to(response));
    // when the container refuses, run()'s finally closes the channel and ends the request
    TunnelHandler handler = request.upgrade(TunnelHandler.class);
    // the container's idle timeout (Jetty's is timeout-client in the standalone) must not cut the tunnel
    ConnectionAbort.keepUpgradedConnectionFor(request, context.options.timeoutTunnel().toMillis() + 60_000);
    // the container calls init() once the filter returns, so the tunnel is attached in time
    handler.attach(new Tunnel(context, tunnels, channel, in.takeBuffered(), selection,
        request.getMethod() + " " + request.getRequestURI()));
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

  /** A response head: status and lines; 1xx answers other than 101 are skipped. */
  private static final class Head implements HeaderSource {
    final int status;
    final List<String[]> lines;

    private Head(int status, List<String[]> lines) {
      this.status = status;
      this.lines = lines;
    }

    static Head read(ChannelInput in) throws IOException {
      while (true) {
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
          continue; // 100 Continue, 103 Early Hints: the final answer follows
        }
        return new Head(status, lines);
      }
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
