package io.lbkit.netty;

import io.lbkit.core.Endpoint;
import io.lbkit.core.Selection;
import io.lbkit.core.Server;
import io.lbkit.core.TriedServers;
import io.lbkit.proxy.AttemptFailure;
import io.lbkit.proxy.ErrorResponse;
import io.lbkit.proxy.RetryPolicy;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request and its response, from the client's request head to the last byte of the answer,
 * over one or more attempts. Runs entirely on the client connection's event loop, which also
 * serves the server connection: no lock, no hand-off. Decisions that are not I/O (selection,
 * headers, retries, error answers, accounting) are lb-core's, in the same order as the servlet
 * filter's exchange.
 *
 * <p>The request body is not read from the client until a server connection is up, so a failed
 * connect is retried with nothing of the body sent; what the codec decoded meanwhile waits in
 * {@link #pending} (at most one read's worth).
 */
final class Exchange {
  private static final Logger log = LoggerFactory.getLogger(Exchange.class);

  /** The server side's codec limits: Netty's defaults but for the body pieces ({@link ProxyEngine#MAX_CHUNK}). */
  private static final HttpDecoderConfig SERVER_SIDE_CODEC = new HttpDecoderConfig().setMaxChunkSize(ProxyEngine.MAX_CHUNK)
      .setTrailersFactory(LazyTrailers.FACTORY);

  private final LoadBalancingHandler conn;
  private final ProxyEngine engine;
  private final ChannelHandlerContext client;
  private final EventLoop loop;
  /** The client's request; once a server is selected, edited in place into the one forwarded. */
  private final HttpRequest request;
  private final boolean idempotent;
  private final boolean clientKeepAlive;
  private final boolean http10;
  private final boolean chunked;
  private boolean hostFromServer;
  private final String upgrade; // the protocols of a handshake to tunnel, or null
  /** The servers tried, made at the first failure (most requests have one attempt, which succeeds). */
  private TriedServers tried;
  /** Body parts read before the server connection is up; made when one is. */
  private ArrayDeque<HttpContent> pending;

  private Selection selection;
  private int attempts;
  private boolean inFlight;
  private Channel server;
  private BackendHandler serverHandler;
  private boolean serverNeedsFlush;
  private boolean requestComplete;
  private boolean lastWritten;
  private boolean bodyStarted;
  private boolean responseStarted;
  private boolean skipInformationalEnd;
  private boolean serverReusable;
  private boolean closeClientAfter;
  private boolean clientNeedsFlush;
  private boolean done;
  /** The current attempt's connection came from the pool (it may have been closed by the server meanwhile). */
  private boolean reused;
  private boolean reconnected;

  Exchange(LoadBalancingHandler conn, ChannelHandlerContext client, HttpRequest request) {
    this.conn = conn;
    this.engine = conn.engine();
    this.client = client;
    this.loop = client.channel().eventLoop();
    this.request = request;
    this.idempotent = RetryPolicy.isIdempotent(request.method().name());
    this.clientKeepAlive = HttpUtil.isKeepAlive(request);
    this.http10 = request.protocolVersion().equals(HttpVersion.HTTP_1_0);
    this.chunked = HttpUtil.isTransferEncodingChunked(request);
    this.upgrade = engine.upgrades() == null || !request.headers().contains(HttpHeaderNames.UPGRADE) ? null
        : engine.upgrades().upgradeOf(NettyHeaders.source(request.headers()));
  }

  /** Selects a server and makes the first attempt, or answers 503. */
  void start() {
    Selection s = engine.balancer().select(conn.requestView().of(request.headers())); // before the cookie is stripped
    ErrorResponse none = ErrorResponse.unlessSelected(s);
    if (none != null) {
      respond(none);
      return;
    }
    forwardedHead();
    attempt(s);
  }

  /**
   * Edits the client's request head, in place, into the one sent to servers (no copy): lb-core's
   * header policy, then our own hop-by-hop lines.
   */
  private void forwardedHead() {
    request.setProtocolVersion(HttpVersion.HTTP_1_1);
    NettyHeaders.Lines lines = conn.headerLines().of(request.headers());
    engine.headers().request(lines, conn.clientAddress(), "http", conn.localPort(), conn.headersMemo());
    lines.clear();
    HttpHeaders h = request.headers();
    hostFromServer = !h.contains(HttpHeaderNames.HOST);
    if (upgrade != null) {
      h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE).set(HttpHeaderNames.UPGRADE, upgrade);
    }
    if (chunked) {
      HttpUtil.setTransferEncodingChunked(request, true); // hop-by-hop, so ours to set again
    }
  }

  boolean requestComplete() {
    return requestComplete;
  }

  /**
   * Whether the client connection should read now: only to stream the body to a writable server.
   * A handshake waits for its answer unread: after a 101 the bytes are the tunnel's.
   */
  boolean wantsClientData() {
    return done || (requestComplete ? upgrade == null : server != null && server.isWritable());
  }

  private void attempt(Selection s) {
    selection = s;
    Server srv = s.server();
    if (tried != null) {
      tried.add(srv);
    }
    attempts++;
    srv.stats().requestStarted();
    inFlight = true;
    Endpoint endpoint = srv.endpoint();
    if (hostFromServer) {
      request.headers().set(HttpHeaderNames.HOST, endpoint.authority());
    }
    Channel pooled = conn.pool().lease(endpoint);
    reused = pooled != null;
    if (reused) {
      connected(pooled);
      return;
    }
    connect(endpoint);
  }

  /** Opens a new connection to {@code endpoint} for this attempt. */
  private void connect(Endpoint endpoint) {
    BackendPool pool = conn.pool();
    ChannelFuture f = new Bootstrap().group(loop)
        .channel(Transport.socketChannelClassLike(client.channel()))
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, engine.connectTimeoutMillis())
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.WRITE_BUFFER_WATER_MARK, ProxyEngine.WATER_MARK)
        .handler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            ch.pipeline().addLast(new BackendCodec(SERVER_SIDE_CODEC), new BackendHandler(pool, endpoint, engine));
          }
        })
        .connect(new InetSocketAddress(endpoint.address(), endpoint.port()));
    f.addListener((ChannelFutureListener) cf -> {
      if (done) {
        cf.channel().close();
      } else if (cf.isSuccess()) {
        connected(cf.channel());
      } else {
        attemptFailed(AttemptFailure.NOT_CONNECTED, describe(cf.cause()));
      }
    });
  }

  private void connected(Channel ch) {
    server = ch;
    serverHandler = ch.pipeline().get(BackendHandler.class);
    serverHandler.bind(this);
    ch.config().setAutoRead(client.channel().isWritable());
    ch.write(request, ch.voidPromise()); // a failed write fails the exchange through BackendHandler.exceptionCaught
    HttpContent c;
    while (pending != null && (c = pending.poll()) != null) {
      writeToServer(c);
    }
    serverNeedsFlush = false;
    ch.flush();
    if (requestComplete) {
      serverHandler.timer().start();
    }
    conn.updateReading();
  }

  /** A part of the request body from the client (the codec's order). */
  void clientContent(HttpContent c) {
    if (done) {
      ReferenceCountUtil.release(c); // answered early: the rest of the body is dropped
      return;
    }
    if (c.decoderResult().isFailure()) {
      ReferenceCountUtil.release(c);
      if (responseStarted) {
        abort("bad request body: " + describe(c.decoderResult().cause()));
        return;
      }
      // a chunk size the codec cannot read (-1, 0x10, "5 5"): 400, as for a bad head; the server gets nothing more
      log.debug("{} {}: bad request body: {}", request.method(), request.uri(), describe(c.decoderResult().cause()));
      done = true;
      endInFlight();
      releasePending();
      dropServer();
      client.writeAndFlush(NettyHeaders.rejected(HttpResponseStatus.BAD_REQUEST, "the request body could not be parsed."))
          .addListener(ChannelFutureListener.CLOSE);
      conn.exchangeDone(this, true);
      return;
    }
    boolean last = c instanceof LastHttpContent;
    if (last) {
      requestComplete = true;
    }
    if (server == null) {
      pending().add(c);
      return;
    }
    writeToServer(c);
    if (last) {
      serverHandler.timer().start();
    }
  }

  /** End of the client's read batch: one flush towards the server. */
  void clientReadComplete() {
    if (serverNeedsFlush && server != null) {
      serverNeedsFlush = false;
      server.flush();
    }
  }

  private void writeToServer(HttpContent c) {
    bodyStarted |= c.content().isReadable();
    lastWritten |= c instanceof LastHttpContent;
    server.write(c, server.voidPromise());
    serverNeedsFlush = true;
  }

  /** The client connection's writability changed: the server side reads only while the client can take it. */
  void clientWritabilityChanged() {
    if (server != null && !done) {
      server.config().setAutoRead(client.channel().isWritable());
    }
  }

  void serverWritabilityChanged() {
    conn.updateReading();
  }

  /** What the server sent: a response head or a part of its body. */
  void serverRead(Object msg) {
    if (done) {
      ReferenceCountUtil.release(msg);
      return;
    }
    serverHandler.timer().touch();
    if (msg instanceof HttpResponse) {
      HttpResponse r = (HttpResponse) msg;
      if (r.decoderResult().isFailure()) {
        ReferenceCountUtil.release(msg);
        attemptFailed(AttemptFailure.BAD_RESPONSE, "invalid response: " + describe(r.decoderResult().cause()));
        return;
      }
      if (upgrade != null && r.status().code() == 101) {
        switchProtocols(r);
        return;
      }
      if (r.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
        skipInformationalEnd = true; // 100 Continue is ours to send; the codec ends it with an empty part
        ReferenceCountUtil.release(msg);
        return;
      }
      responseHead(r);
    }
    if (msg instanceof HttpContent) {
      HttpContent c = (HttpContent) msg;
      if (skipInformationalEnd && !responseStarted) {
        skipInformationalEnd = false;
        c.release();
        return;
      }
      if (c.decoderResult().isFailure()) {
        c.release();
        attemptFailed(AttemptFailure.BAD_RESPONSE, "invalid response body: " + describe(c.decoderResult().cause()));
        return;
      }
      if (c instanceof LastHttpContent) {
        responseComplete(c);
        return;
      }
      client.write(c, client.voidPromise());
      clientNeedsFlush = true;
      if (!client.channel().isWritable()) {
        server.config().setAutoRead(false); // resumed by clientWritabilityChanged
      }
    }
  }

  /** End of the server's read batch: one flush towards the client. */
  void serverReadComplete() {
    if (clientNeedsFlush && !done) {
      clientNeedsFlush = false;
      client.flush();
    }
  }

  private void responseHead(HttpResponse r) {
    engine.group().recordRequestSuccess(selection.server());
    serverReusable = HttpUtil.isKeepAlive(r);
    boolean sized = r.headers().contains(HttpHeaderNames.CONTENT_LENGTH);
    HttpResponse out = r; // edited in place, as the request
    out.setProtocolVersion(HttpVersion.HTTP_1_1);
    NettyHeaders.Lines lines = conn.headerLines().of(r.headers());
    engine.headers().response(lines, selection, conn.headersMemo());
    lines.clear();
    boolean bodyless = request.method().equals(HttpMethod.HEAD) || r.status().code() == 204
        || r.status().code() == 304;
    if (!bodyless && !sized) {
      if (http10) {
        closeClientAfter = true; // the end of the body is the end of the connection
      } else {
        HttpUtil.setTransferEncodingChunked(out, true);
      }
    }
    closeClientAfter |= !clientKeepAlive || !requestComplete || engine.stopping() || conn.closing();
    if (closeClientAfter) {
      out.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    } else if (http10) {
      out.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
    }
    responseStarted = true;
    client.write(out, client.voidPromise());
    clientNeedsFlush = true;
  }

  /** The server's 101: relayed with lb-core's lines, then the two connections become a {@link Tunnel}. */
  private void switchProtocols(HttpResponse r) {
    engine.group().recordRequestSuccess(selection.server());
    FullHttpResponse out = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.SWITCHING_PROTOCOLS,
        Unpooled.EMPTY_BUFFER);
    engine.upgrades().switchingResponse(NettyHeaders.source(r.headers()), selection, NettyHeaders.sink(out.headers()));
    ReferenceCountUtil.release(r);
    done = true;
    inFlight = false; // the tunnel ends the request's count when it closes
    releasePending();
    serverHandler.timer().cancel();
    serverHandler.unbind();
    Channel s = server;
    server = null;
    conn.upgraded(this);
    Tunnel.open(engine, client, out, s, serverHandler, selection, request.method() + " " + request.uri());
  }

  /** Writes the response's last part and hands the server connection back (or closes it). */
  private void responseComplete(HttpContent last) {
    done = true;
    // closed by the last write's listener, so a stopping engine never cuts a response still being flushed
    boolean close = closeClientAfter || !requestComplete || engine.stopping() || conn.closing();
    if (close) {
      client.write(last).addListener(ChannelFutureListener.CLOSE);
    } else {
      client.write(last, client.voidPromise()); // no promise to allocate on the keep-alive path
    }
    serverHandler.timer().stop();
    endInFlight();
    BackendHandler h = serverHandler;
    Channel s = server;
    server = null;
    if (serverReusable && requestComplete && !engine.stopping()) {
      h.release();
    } else {
      h.unbind();
      s.close();
    }
    clientNeedsFlush = false;
    client.flush();
    conn.exchangeDone(this, close);
  }

  void serverTimedOut() {
    if (!done) {
      attemptFailed(AttemptFailure.TIMED_OUT, "no answer within timeout-server");
    }
  }

  /** The server connection closed or failed while this exchange used it. */
  void serverClosed(Throwable cause) {
    if (done) {
      return;
    }
    server = null;
    String what = cause == null ? "connection closed by the server" : describe(cause);
    if (reused && !reconnected && !responseStarted && idempotent && !bodyStarted && !engine.stopping()) {
      // a pooled connection the server closed as the request went out: not the server's failure, and
      // safe to send again only because the method is idempotent (a POST may have been read: 502)
      reconnected = true;
      log.debug("{} {}: pooled connection to {} failed before any answer ({}); sending again on a new one",
          request.method(), request.uri(), selection.server(), what);
      rewindRequest();
      connect(selection.server().endpoint());
      return;
    }
    attemptFailed(responseStarted ? AttemptFailure.BAD_RESPONSE : AttemptFailure.CLOSED_BEFORE_RESPONSE, what);
  }

  /** The one place where a failed attempt is retried or answered (lb-core's {@link RetryPolicy}). */
  private void attemptFailed(AttemptFailure failure, String what) {
    Server failed = selection.server();
    String backend = engine.group().name();
    endInFlight();
    engine.group().recordRequestFailure(failed, what);
    dropServer();
    if (responseStarted) {
      log.warn("{}: {} failed mid-response to {} {}: {}; aborting the client connection", backend, failed,
          request.method(), request.uri(), what);
      abort(null);
      return;
    }
    if (engine.stopping()) {
      respond(ErrorResponse.NO_SERVER);
      return;
    }
    RetryPolicy policy = engine.retryPolicy();
    if (tried == null) {
      tried = new TriedServers(); // the first failure: so far the one server of the first attempt
      tried.add(failed);
    }
    // servers not tried yet always get an attempt, then `retries` bounds repeats (same rule as the servlet engine)
    Selection next = policy.nextAttempt(failure, idempotent, bodyStarted, attempts, selection, tried);
    if (!next.isEmpty()) {
      failed.stats().retry();
      log.info("{}: {} {} to {} failed: {}; retry {}/{} on {}", backend, request.method(), request.uri(), failed,
          what, attempts, policy.retries(), next.server());
      rewindRequest();
      if (RetryPolicy.sameEndpoint(selection, next)) {
        loop.schedule(() -> {
          if (!done) {
            attempt(next);
          }
        }, policy.sameServerDelayMillis(), TimeUnit.MILLISECONDS);
      } else {
        attempt(next);
      }
      return;
    }
    ErrorResponse answer = policy.answer(failure, idempotent, bodyStarted);
    log.warn("{}: {} {} to {} failed after {} attempt(s): {}; answering {}", backend, request.method(),
        request.uri(), failed, attempts, what, answer.status());
    respond(answer);
  }

  /** Before another attempt: nothing of the body was sent (else no retry), so the end is sent again. */
  private void rewindRequest() {
    if (lastWritten) {
      pending().addFirst(LastHttpContent.EMPTY_LAST_CONTENT);
      lastWritten = false;
    }
  }

  /** Sends lb-core's short answer instead of the server's. */
  private void respond(ErrorResponse e) {
    done = true;
    releasePending();
    boolean close = !requestComplete || !clientKeepAlive || engine.stopping() || conn.closing();
    ChannelFuture f = client.writeAndFlush(NettyHeaders.error(e, close));
    if (close) {
      f.addListener(ChannelFutureListener.CLOSE);
    }
    conn.exchangeDone(this, close);
  }

  /** Ends the exchange without an answer: closes both connections (the client sees a cut response). */
  void abort(String why) {
    if (why != null) {
      log.debug("{} {}: {}", request.method(), request.uri(), why);
    }
    done = true;
    endInFlight();
    releasePending();
    dropServer();
    client.close();
  }

  /** The client connection closed: the server connection goes too (it is mid-exchange). */
  void clientClosed() {
    if (done) {
      return;
    }
    done = true;
    endInFlight();
    releasePending();
    dropServer();
  }

  private void dropServer() {
    if (server != null) {
      serverHandler.timer().stop();
      serverHandler.unbind();
      server.close();
      server = null;
    }
  }

  private void endInFlight() {
    if (inFlight) {
      inFlight = false;
      selection.server().stats().requestEnded();
    }
  }

  private ArrayDeque<HttpContent> pending() {
    if (pending == null) {
      pending = new ArrayDeque<>(2);
    }
    return pending;
  }

  private void releasePending() {
    HttpContent c;
    while (pending != null && (c = pending.poll()) != null) {
      c.release();
    }
  }

  static String describe(Throwable t) {
    if (t == null) {
      return "unknown failure";
    }
    String m = t.getMessage();
    return t.getClass().getSimpleName() + (m == null ? "" : ": " + m);
  }
}
