package io.lbkit.servlet;

import io.lbkit.core.RequestView;
import io.lbkit.core.Selection;
import io.lbkit.core.Server;
import io.lbkit.core.ServerGroup;
import io.lbkit.cookie.StickyCookieBalancer;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.client.AsyncRequestContent;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * One proxied request: async servlet on the client side, Jetty's client on the server side,
 * bodies streamed both ways one buffer at a time (nothing is read from one side before the other
 * side has taken the previous buffer), retries on connection failures.
 *
 * <p>Threads: servlet callbacks (read/write possible) come on container threads, client events on
 * the client's threads. Each direction is a "pump" that runs on one thread at a time
 * ({@link #pumpIn}, {@link #pumpOut}: a work-in-progress counter re-runs it when signalled while
 * running). The request body is read only once the server connection is up, so a connection
 * failure never loses a body byte and can always be retried.
 */
final class ProxyExchange implements AsyncListener, ReadListener, WriteListener {
  private static final Set<String> IDEMPOTENT = Set.of("GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE");
  private static final int BUFFER = 32 * 1024;

  private final Proxy proxy;
  private final HttpServletRequest request;
  private final HttpServletResponse response;
  private final boolean hasBody;
  private final boolean idempotent;
  private final Set<Server> tried = new HashSet<>();
  private AsyncContext async;
  private ServletInputStream in;
  private ServletOutputStream out;
  private int attempts;

  // the current attempt (one at a time; replaced only after the previous one completed)
  private volatile Attempt attempt;

  /** Set once: the response is finished (completed, errored or aborted) or the client went away. */
  private final AtomicBoolean finished = new AtomicBoolean();
  private volatile boolean clientGone;

  // output pump
  private final AtomicInteger outWork = new AtomicInteger();
  private volatile Content.Source source;
  private volatile boolean demandPending;
  private boolean needFlush;
  private byte[] outBuffer; // sized by the chunks that come: a 40-byte page does not cost 32 KiB
  private volatile byte[] errorBody;
  private volatile boolean completeWhenWritten;

  // input pump
  private final AtomicInteger inWork = new AtomicInteger();
  private final byte[] inBuffer;
  private long bodyBytesRead;
  private volatile boolean inputDone;

  // timeout-client
  private volatile long lastClientProgress = System.nanoTime();
  private volatile boolean waitingForClient;
  private volatile Scheduler.Task watchdog;

  ProxyExchange(Proxy proxy, HttpServletRequest request, HttpServletResponse response) {
    this.proxy = proxy;
    this.request = request;
    this.response = response;
    this.hasBody = request.getContentLengthLong() > 0 || request.getHeader("Transfer-Encoding") != null;
    this.idempotent = IDEMPOTENT.contains(request.getMethod());
    long length = request.getContentLengthLong();
    this.inBuffer = hasBody ? new byte[(int) (length > 0 ? Math.min(length, BUFFER) : BUFFER)] : null;
  }

  void start(Selection first) throws IOException {
    async = request.startAsync(request, response);
    async.setTimeout(0); // our own timeouts apply; a container timeout would cut long downloads
    async.addListener(this);
    out = response.getOutputStream();
    out.setWriteListener(this);
    if (hasBody) {
      in = request.getInputStream();
      in.setReadListener(this);
    }
    scheduleWatchdog();
    send(first);
  }

  // ---- server side ----

  private void send(Selection selection) {
    Server server = selection.server();
    attempts++;
    tried.add(server);
    Attempt a = new Attempt(selection);
    attempt = a;
    server.stats().requestStarted();
    Request r = proxy.client.newRequest(server.endpoint().ipAddress(), server.endpoint().port())
        .method(request.getMethod())
        .path(target())
        .version(HttpVersion.HTTP_1_1)
        .idleTimeout(proxy.options.timeoutServer().toMillis(), TimeUnit.MILLISECONDS)
        .headers(this::copyRequestHeaders);
    a.request = r;
    if (hasBody) {
      a.content = new AsyncRequestContent();
      r.body(a.content);
    }
    r.onRequestBegin(x -> a.begun = true)
        .onRequestCommit(x -> {
          a.committed = true;
          if (hasBody) {
            pumpIn(); // the connection is up: the client's body may now flow
          }
        })
        .onResponseBegin(x -> a.responseBegun = true)
        .onResponseHeaders(x -> onResponseHeaders(a, x))
        .onResponseContentSource((x, s) -> {
          source = s;
          pumpOut();
        });
    if (clientGone) {
      a.ended();
      return;
    }
    r.send(result -> onComplete(a, result));
  }

  private String target() {
    String query = request.getQueryString();
    return query == null ? request.getRequestURI() : request.getRequestURI() + "?" + query;
  }

  private void copyRequestHeaders(HttpFields.Mutable headers) {
    headers.clear(); // no client defaults (Accept-Encoding, User-Agent): forward what the client sent
    Set<String> connectionTokens = connectionTokens(request.getHeaders("Connection"));
    boolean forwardfor = proxy.options.forwardfor();
    for (Enumeration<String> names = request.getHeaderNames(); names.hasMoreElements(); ) {
      String name = names.nextElement();
      String lower = Proxy.lower(name);
      if (Proxy.HOP_BY_HOP.contains(lower) || connectionTokens.contains(lower) || lower.equals("host")
          || (forwardfor && (lower.equals("x-forwarded-proto") || lower.equals("x-forwarded-host")
              || lower.equals("x-forwarded-port")))) {
        continue;
      }
      for (Enumeration<String> values = request.getHeaders(name); values.hasMoreElements(); ) {
        String value = values.nextElement();
        if (lower.equals("cookie")) {
          value = proxy.balancer.forwardedCookieHeader(value); // our sticky cookie out, a prefix removed
          if (value == null) {
            continue;
          }
        }
        headers.add(name, value);
      }
    }
    String host = request.getHeader("Host");
    if (proxy.options.preserveHost() && host != null) {
      headers.put(HttpHeader.HOST, host);
    }
    if (forwardfor) {
      headers.add("X-Forwarded-For", request.getRemoteAddr()); // a new line after the client's, as HAProxy
      headers.put("X-Forwarded-Proto", request.getScheme());
      if (host != null) {
        headers.put("X-Forwarded-Host", host);
      }
      headers.put("X-Forwarded-Port", Integer.toString(request.getServerPort()));
    }
  }

  private static Set<String> connectionTokens(Enumeration<String> values) {
    if (values == null || !values.hasMoreElements()) {
      return Collections.emptySet();
    }
    Set<String> tokens = new HashSet<>();
    while (values.hasMoreElements()) {
      for (String t : values.nextElement().split(",")) {
        tokens.add(t.trim().toLowerCase(Locale.ROOT));
      }
    }
    return tokens;
  }

  private void onResponseHeaders(Attempt a, Response r) {
    ServerGroup group = proxy.balancer.group();
    group.recordRequestSuccess(a.server());
    if (clientGone) {
      r.abort(new IOException("client went away"));
      return;
    }
    a.headersCopied = true;
    response.setStatus(r.getStatus());
    HttpFields fields = r.getHeaders();
    Set<String> tokens = connectionTokens(Collections.enumeration(fields.getValuesList(HttpHeader.CONNECTION)));
    for (HttpField f : fields) {
      String lower = Proxy.lower(f.getName());
      if (Proxy.HOP_BY_HOP.contains(lower) || tokens.contains(lower)) {
        continue;
      }
      if (lower.equals("content-length")) {
        try {
          response.setContentLengthLong(Long.parseLong(f.getValue().trim()));
        } catch (NumberFormatException e) {
          // the client parser already rejects it; never forward a bad length
        }
      } else if (lower.equals("set-cookie")) {
        String value = proxy.balancer.backendSetCookie(a.selection, f.getValue()); // stick tables learn here
        if (value != null) {
          response.addHeader(f.getName(), value);
        }
      } else if (lower.equals("date") || lower.equals("server")) {
        response.setHeader(f.getName(), f.getValue()); // containers may have their own: keep the server's
      } else {
        response.addHeader(f.getName(), f.getValue());
      }
    }
    String setCookie = a.selection.setCookie();
    if (setCookie != null) {
      response.addHeader("Set-Cookie", setCookie);
      if (proxy.balancer instanceof StickyCookieBalancer && ((StickyCookieBalancer) proxy.balancer).nocache()) {
        response.setHeader("Cache-Control", "private");
      }
    }
  }

  private void onComplete(Attempt a, Result result) {
    a.ended();
    if (!result.isFailed()) {
      if (source == null) {
        finishOk(); // no content at all (204, 304, HEAD)
      }
      return;
    }
    Throwable cause = result.getFailure();
    if (clientGone || finished.get()) {
      return;
    }
    Server server = a.server();
    ServerGroup group = proxy.balancer.group();
    String backend = group.name();
    String what = describe(cause);
    group.recordRequestFailure(server, what);
    if (response.isCommitted()) {
      Proxy.log.warn("{}: {} failed mid-response to {} {}: {}; aborting the client connection", backend,
          Proxy.describe(server), request.getMethod(), request.getRequestURI(), what);
      abortClient();
      return;
    }
    if (proxy.closed) {
      Proxy.log.warn("{}: {} {} to {} failed while the filter was stopping: {}; answering 503", backend,
          request.getMethod(), request.getRequestURI(), Proxy.describe(server), what);
      sendError(503);
      return;
    }
    boolean connectFailure = !a.begun;
    boolean timeout = isTimeout(cause);
    boolean malformed = isMalformed(cause);
    boolean retryable = connectFailure
        || (idempotent && bodyBytesRead == 0 && !a.responseBegun && !a.headersCopied && !timeout && !malformed);
    if (retryable && attempts <= proxy.options.retries()) {
      server.stats().retry();
      Selection next = nextSelection(a.selection);
      if (next.isEmpty()) {
        Proxy.log.warn("{}: {} {} to {} failed: {}; no other server to retry on; answering 503", backend,
            request.getMethod(), request.getRequestURI(), Proxy.describe(server), what);
        sendError(503);
        return;
      }
      Proxy.log.info("{}: {} {} to {} failed: {}; retry {}/{} on {}", backend, request.getMethod(),
          request.getRequestURI(), Proxy.describe(server), what, attempts, proxy.options.retries(),
          Proxy.describe(next.server()));
      if (next.server() == server) {
        // HAProxy waits min(1s, timeout connect) before retrying the same server
        long delay = Math.min(1000, proxy.options.timeoutConnect().toMillis());
        proxy.client.getScheduler().schedule(() -> retry(next), delay, TimeUnit.MILLISECONDS);
      } else {
        retry(next);
      }
      return;
    }
    int status = connectFailure || retryable ? 503 : timeout ? 504 : 502;
    Proxy.log.warn("{}: {} {} to {} failed after {} attempt(s): {}; answering {}", backend, request.getMethod(),
        request.getRequestURI(), Proxy.describe(server), attempts, what, status);
    sendError(status);
  }

  private void retry(Selection next) {
    if (clientGone || finished.get()) {
      return;
    }
    if (proxy.closed) {
      sendError(503); // the filter stopped while this retry waited
      return;
    }
    try {
      send(next);
    } catch (RuntimeException e) {
      Proxy.log.warn("{}: retry failed to start: {}", proxy.balancer.group().name(), e.toString());
      sendError(503);
    }
  }

  /** The server for a retry: another one with {@code redispatch} (a fresh cookie follows), else the same. */
  private Selection nextSelection(Selection failed) {
    boolean stillUsable = proxy.balancer.group().snapshot().usable().contains(failed.server());
    if (!proxy.options.redispatch() && stillUsable) {
      return failed;
    }
    return proxy.balancer.selectOther(RequestView.EMPTY, tried); // no cookie: the fallback's choice
  }

  private static String describe(Throwable t) {
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String m = root.getMessage();
    if (root instanceof java.io.EOFException) {
      m = "connection closed by the server"; // Jetty's message is a dump of the connection
    } else if (m != null && m.length() > 160) {
      m = m.substring(0, 160) + "...";
    }
    return root.getClass().getSimpleName() + (m == null ? "" : ": " + m);
  }

  private static boolean isTimeout(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof TimeoutException || c instanceof java.net.SocketTimeoutException) {
        return true;
      }
    }
    return false;
  }

  private static boolean isMalformed(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof org.eclipse.jetty.http.HttpException) {
        return true; // the response could not be parsed: bytes came back
      }
    }
    return false;
  }

  // ---- client side: request body ----

  private void pumpIn() {
    if (inWork.getAndIncrement() != 0) {
      return;
    }
    do {
      try {
        pumpInOnce();
      } catch (IOException | RuntimeException e) {
        clientFailed(e);
      }
    } while (inWork.decrementAndGet() != 0);
  }

  private void pumpInOnce() throws IOException {
    Attempt a = attempt;
    while (a != null && a.committed && !a.writing && !inputDone && !clientGone) {
      if (in.isFinished()) {
        inputDone = true;
        a.content.close();
        return;
      }
      if (!in.isReady()) {
        waitingForClient = true;
        return; // onDataAvailable() calls us again
      }
      int n = in.read(inBuffer);
      progress();
      if (n < 0) {
        inputDone = true;
        a.content.close();
        return;
      }
      if (n > 0) {
        bodyBytesRead += n;
        a.writing = true;
        a.content.write(ByteBuffer.wrap(inBuffer, 0, n), Callback.from(() -> {
          a.writing = false;
          pumpIn();
        }, x -> a.writing = false)); // the attempt failed: onComplete() decides
      }
    }
  }

  @Override
  public void onDataAvailable() {
    pumpIn();
  }

  @Override
  public void onAllDataRead() {
    pumpIn();
  }

  // ---- client side: response body ----

  private void pumpOut() {
    if (outWork.getAndIncrement() != 0) {
      return;
    }
    do {
      try {
        pumpOutOnce();
      } catch (IOException | RuntimeException e) {
        clientFailed(e);
      }
    } while (outWork.decrementAndGet() != 0);
  }

  private void pumpOutOnce() throws IOException {
    while (!clientGone) {
      byte[] error = errorBody;
      if (error != null) {
        if (!out.isReady()) {
          return;
        }
        errorBody = null;
        out.write(error);
        completeWhenWritten = true;
        continue;
      }
      if (completeWhenWritten) {
        if (out.isReady()) {
          completeWhenWritten = false;
          complete();
        }
        return;
      }
      Content.Source s = source;
      if (s == null || demandPending || finished.get()) {
        return;
      }
      if (!out.isReady()) {
        waitingForClient = true;
        return; // onWritePossible() calls us again
      }
      Content.Chunk chunk = s.read();
      if (chunk == null) {
        if (needFlush) {
          needFlush = false;
          out.flush(); // nothing more right now: let what we have reach the client (server-sent events)
          continue;
        }
        demandPending = true;
        s.demand(() -> {
          demandPending = false;
          pumpOut();
        });
        return;
      }
      if (Content.Chunk.isFailure(chunk)) {
        chunk.release();
        return; // onComplete() handles the failure
      }
      ByteBuffer bytes = chunk.getByteBuffer();
      int n = bytes.remaining();
      boolean last = chunk.isLast();
      if (n > 0) {
        if (outBuffer == null || outBuffer.length < n) {
          // the previous buffer is no longer the container's: out.isReady() was true
          outBuffer = new byte[Math.max(256, Integer.highestOneBit(n - 1) << 1)];
        }
        bytes.get(outBuffer, 0, n);
        chunk.release();
        out.write(outBuffer, 0, n);
        progress();
        needFlush = true;
      } else {
        chunk.release();
      }
      if (last) {
        source = null;
        finishOk();
        return;
      }
    }
  }

  @Override
  public void onWritePossible() {
    progress();
    pumpOut();
  }

  // ---- endings ----

  private void finishOk() {
    if (finished.get() || clientGone) {
      return;
    }
    completeWhenWritten = true;
    pumpOut();
  }

  private void complete() {
    if (finished.compareAndSet(false, true)) {
      cancelWatchdog();
      try {
        async.complete();
      } catch (IllegalStateException e) {
        // already completed by the container (client gone)
      }
    }
  }

  /** A short plain error body; the exchange ends when it is written. */
  private void sendError(int status) {
    if (finished.get() || clientGone) {
      return;
    }
    if (response.isCommitted()) {
      abortClient();
      return;
    }
    try {
      response.reset();
    } catch (IllegalStateException e) {
      abortClient();
      return;
    }
    byte[] body = Proxy.errorBody(status);
    response.setStatus(status);
    response.setContentType("text/plain; charset=utf-8");
    response.setHeader("Cache-Control", "no-cache");
    response.setContentLength(body.length);
    errorBody = body;
    pumpOut();
  }

  private void abortClient() {
    if (finished.compareAndSet(false, true)) {
      cancelWatchdog();
      ConnectionAbort.abort(response);
      try {
        async.complete();
      } catch (IllegalStateException e) {
        // already completed
      }
    }
  }

  /** The client went away or its connection failed: release the server connection. */
  private void clientFailed(Throwable cause) {
    if (clientGone) {
      return;
    }
    clientGone = true;
    Proxy.log.debug("{}: client of {} {} went away: {}", proxy.balancer.group().name(), request.getMethod(),
        request.getRequestURI(), cause.toString());
    Attempt a = attempt;
    if (a != null && a.request != null) {
      a.request.abort(cause);
    }
    if (finished.compareAndSet(false, true)) {
      cancelWatchdog();
      try {
        if (!response.isCommitted()) {
          // e.g. a chunk size the container cannot parse: completing now would send an empty 200
          response.reset();
          response.setStatus(400);
          response.setHeader("Connection", "close");
          response.setContentLength(0);
        }
        async.complete();
      } catch (IllegalStateException e) {
        // already completed
      }
    }
  }

  @Override
  public void onError(Throwable t) {
    clientFailed(t); // ReadListener, WriteListener and AsyncListener share this
  }

  @Override
  public void onError(AsyncEvent event) {
    clientFailed(event.getThrowable() == null ? new IOException("async error") : event.getThrowable());
  }

  @Override
  public void onTimeout(AsyncEvent event) {
    clientFailed(new TimeoutException("async timeout"));
  }

  @Override
  public void onComplete(AsyncEvent event) {
    cancelWatchdog();
    if (!finished.get()) {
      clientFailed(new IOException("response completed by the container"));
    }
  }

  @Override
  public void onStartAsync(AsyncEvent event) {
    // not restarted
  }

  // ---- timeout-client ----

  private void progress() {
    lastClientProgress = System.nanoTime();
    waitingForClient = false;
  }

  private void scheduleWatchdog() {
    long period = Math.max(10, proxy.options.timeoutClient().toMillis() / 4);
    watchdog = proxy.client.getScheduler().schedule(this::checkClient, period, TimeUnit.MILLISECONDS);
  }

  private void checkClient() {
    if (finished.get()) {
      return;
    }
    long idle = System.nanoTime() - lastClientProgress;
    if (waitingForClient && idle >= proxy.options.timeoutClient().toNanos()) {
      Proxy.log.warn("{}: client of {} {} silent for {} ms (timeout-client); closing", proxy.balancer.group().name(),
          request.getMethod(), request.getRequestURI(), TimeUnit.NANOSECONDS.toMillis(idle));
      Attempt a = attempt;
      clientGone = true;
      if (a != null && a.request != null) {
        a.request.abort(new TimeoutException("timeout-client"));
      }
      abortClient();
      return;
    }
    scheduleWatchdog();
  }

  private void cancelWatchdog() {
    Scheduler.Task t = watchdog;
    if (t != null) {
      t.cancel();
    }
  }

  /** One try on one server. */
  private static final class Attempt {
    final Selection selection;
    Request request;
    AsyncRequestContent content;
    volatile boolean begun;
    volatile boolean committed;
    volatile boolean responseBegun;
    volatile boolean headersCopied;
    volatile boolean writing;
    private final AtomicBoolean ended = new AtomicBoolean();

    Attempt(Selection selection) {
      this.selection = selection;
    }

    Server server() {
      return selection.server();
    }

    void ended() {
      if (ended.compareAndSet(false, true)) {
        selection.server().stats().requestEnded();
      }
    }
  }
}
