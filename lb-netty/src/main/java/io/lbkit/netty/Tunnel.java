package io.lbkit.netty;

import io.lbkit.core.Selection;
import io.lbkit.core.Server;
import io.lbkit.proxy.OpenTunnels;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpObjectDecoder;
import io.netty.handler.codec.http.HttpObjectEncoder;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An upgraded connection after the server's {@code 101}: the client's and the server's channels
 * spliced on their common event loop, {@link ByteBuf}s passed both ways as read, with no HTTP
 * codec left in either pipeline. Back-pressure: a side reads only while its peer is writable
 * (Netty's write-buffer watermarks), so memory per tunnel is bounded by one read batch plus the
 * high watermark each way. The connection to the server is never returned to the pool.
 *
 * <p>Endings, as HAProxy's: an end of stream from one side is passed on as a half-close (both
 * channels allow half-closure; the other side's output is shut down once what was read is
 * written), and the tunnel closes once both directions have ended. An error on one side (a reset,
 * mostly) closes the other with a reset ({@code SO_LINGER 0}). {@code timeout-tunnel} without a
 * byte either way, {@code tunnel-on-server-down=close} and the engine's stop close both sides.
 * Confined to the event loop, except {@link #closeLater}.
 */
final class Tunnel implements OpenTunnels.Tunnel {
  private static final Logger log = LoggerFactory.getLogger(Tunnel.class);
  static final String HANDLER = "lbkit-tunnel";

  private final ProxyEngine engine;
  private final Channel client;
  private final Channel server;
  private final Selection selection;
  private final String what;
  private final Side clientSide = new Side("client");
  private final Side serverSide = new Side("server");
  private final InactivityTimer idle;
  private boolean closed;

  private Tunnel(ProxyEngine engine, Channel client, Channel server, Selection selection, String what) {
    this.engine = engine;
    this.client = client;
    this.server = server;
    this.selection = selection;
    this.what = what;
    clientSide.self = client;
    clientSide.other = serverSide;
    serverSide.self = server;
    serverSide.other = clientSide;
    this.idle = new InactivityTimer(client.eventLoop(), engine.group().ticker(), engine.timeoutTunnelNanos(),
        () -> {
          log.info("{}: tunnel {} to {} idle for {} (timeout-tunnel); closing", engine.group().name(), what,
              server(), engine.options().timeoutTunnel());
          close("timeout-tunnel", false);
        });
  }

  /**
   * Relays the server's {@code 101} to the client and splices the two connections. Called on the
   * event loop from inside the server codec's read of the {@code 101}; the request's in-flight
   * count passes to the tunnel, which ends it when it closes.
   *
   * @param clientHandler the context of the client connection's {@link LoadBalancingHandler}
   * @param switching the {@code 101} for the client, its lines set by lb-core's upgrade policy
   * @param serverHandler the server connection's handler (removed: the connection leaves the pool's reach)
   */
  static void open(ProxyEngine engine, ChannelHandlerContext clientHandler, FullHttpResponse switching,
      Channel server, ChannelHandler serverHandler, Selection selection, String what) {
    Channel client = clientHandler.channel();
    Tunnel t = new Tunnel(engine, client, server, selection, what);
    Server s = selection.server();
    s.stats().tunnelOpened();
    engine.tunnels().add(t);
    ChannelPipeline sp = server.pipeline();
    ChannelPipeline cp = client.pipeline();
    // the server codec's encoder passes bytes through from now on (the client's first bytes may come at once)
    BackendCodec serverCodec = sp.get(BackendCodec.class);
    serverCodec.passThrough();
    sp.addBefore(sp.context(serverHandler).name(), HANDLER, t.serverSide);
    sp.remove(serverHandler);
    clientHandler.writeAndFlush(switching); // encoded by the client codec, still in place
    cp.addBefore(clientHandler.name(), HANDLER, t.clientSide);
    // what the decoders still hold goes on to the tunnel's handlers as they leave
    removeHttpHandlers(cp);
    sp.remove(serverCodec);
    for (Channel ch : new Channel[] {client, server}) {
      ch.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
    }
    if (!client.isActive() || !server.isActive()) {
      t.close("a side closed during the handshake", false);
      return;
    }
    if (engine.stopping()) {
      t.close("the proxy stops", false); // stop() closed the idle connections while this one waited for its 101
      return;
    }
    server.config().setAutoRead(client.isWritable());
    client.config().setAutoRead(server.isWritable());
    t.idle.start();
    log.debug("{}: tunnel {} to {} open", engine.group().name(), what, s);
  }

  /** Removes the HTTP handlers a client pipeline may have (this engine's, or a gateway's own). */
  private static void removeHttpHandlers(ChannelPipeline p) {
    List<ChannelHandler> http = new ArrayList<>(2);
    for (Map.Entry<String, ChannelHandler> e : p) {
      ChannelHandler h = e.getValue();
      if (h instanceof HttpServerCodec || h instanceof HttpObjectDecoder || h instanceof HttpObjectEncoder
          || h instanceof HttpServerExpectContinueHandler || h instanceof HttpServerKeepAliveHandler) {
        http.add(h);
      }
    }
    // encoders and helpers first, so the decoder's leftover bytes reach the tunnel directly
    http.sort((a, b) -> Boolean.compare(a instanceof HttpServerCodec || a instanceof HttpObjectDecoder,
        b instanceof HttpServerCodec || b instanceof HttpObjectDecoder));
    for (ChannelHandler h : http) {
      p.remove(h);
    }
  }

  @Override
  public Server server() {
    return selection.server();
  }

  @Override
  public void closeLater(String why) {
    client.eventLoop().execute(() -> close(why, false));
  }

  /**
   * Closes both connections, once: with a reset when a side failed ({@code SO_LINGER 0}, so the
   * other end learns at once that bytes were lost), else with a FIN.
   */
  void close(String why, boolean reset) {
    if (closed) {
      return;
    }
    closed = true;
    idle.cancel();
    engine.tunnels().remove(this);
    closeChannel(client, reset);
    closeChannel(server, reset);
    Server s = server();
    s.stats().tunnelClosed();
    s.stats().requestEnded();
    log.debug("{}: tunnel {} to {} closed: {}", engine.group().name(), what, s, why);
  }

  private static void closeChannel(Channel ch, boolean reset) {
    if (reset && ch.isActive()) {
      try {
        ch.config().setOption(ChannelOption.SO_LINGER, 0);
      } catch (RuntimeException e) {
        // a FIN then
      }
    }
    ch.close();
  }

  /** One side of the tunnel: what its channel reads goes to the other side's channel. */
  private final class Side extends ChannelInboundHandlerAdapter {
    private final String name;
    private Channel self;
    private Side other;
    private boolean needsFlush;
    private boolean inputEnded;
    private boolean outputEnded;

    Side(String name) {
      this.name = name;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (closed || !(msg instanceof ByteBuf)) {
        ReferenceCountUtil.release(msg); // the decoder's empty end of the handshake, or too late
        return;
      }
      idle.touch();
      Channel peer = other.self;
      peer.write(msg, peer.voidPromise());
      needsFlush = true;
      if (!peer.isWritable()) {
        self.config().setAutoRead(false); // resumed by the peer's channelWritabilityChanged
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      if (needsFlush && !closed) {
        needsFlush = false;
        other.self.flush();
      }
    }

    /** This side's channel can take more (or no more): the other side reads accordingly. */
    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      if (!closed && !other.inputEnded) {
        other.self.config().setAutoRead(self.isWritable());
      }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof ChannelInputShutdownEvent) {
        inputEnded();
      } else if (!(evt instanceof ChannelInputShutdownReadComplete)) {
        ctx.fireUserEventTriggered(evt);
      }
    }

    /** This side sent its end of stream: the other side's output is shut down once our bytes are out. */
    private void inputEnded() {
      if (inputEnded || closed) {
        return;
      }
      inputEnded = true;
      needsFlush = false;
      Channel peer = other.self;
      peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) written -> {
        if (!written.isSuccess()) {
          close(other.name + " failed: " + Exchange.describe(written.cause()), true);
          return;
        }
        ((DuplexChannel) peer).shutdownOutput().addListener((ChannelFutureListener) shut -> {
          if (!shut.isSuccess()) {
            close(other.name + " failed: " + Exchange.describe(shut.cause()), true);
            return;
          }
          other.outputEnded = true;
          if (outputEnded) {
            close("both sides closed", false); // each side's end of stream reached the other
          }
        });
      });
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      close(inputEnded ? "both sides closed" : "the " + name + " connection closed", !inputEnded);
      ctx.fireChannelInactive(); // the client's LoadBalancingHandler forgets the connection
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (!(cause instanceof IOException)) {
        log.warn("{}: tunnel {} to {}: {} side failed", engine.group().name(), what, server(), name, cause);
      }
      close(name + " failed: " + Exchange.describe(cause), true);
    }
  }
}
