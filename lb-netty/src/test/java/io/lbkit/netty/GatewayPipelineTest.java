package io.lbkit.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.lbkit.config.BackendConfig;
import io.lbkit.core.Balancer;
import io.lbkit.testkit.RawWebSocket;
import io.lbkit.testkit.WhoamiServer;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The engine as docs/netty.md tells a gateway author to use it: their own bootstrap, event loops
 * (NIO here) and pipeline, a handler of their own before it, and {@link ProxyEngine#newHandler()}
 * last; with {@link ProxyEngine#clientCodecConfig()} or Netty's default codec.
 */
class GatewayPipelineTest {
  private final List<WhoamiServer> backends = new ArrayList<>();
  private EventLoopGroup loops;
  private Balancer balancer;
  private Channel listener;

  @AfterEach
  void close() throws Exception {
    if (listener != null) {
      listener.close().syncUninterruptibly();
    }
    if (loops != null) {
      loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
    if (balancer != null) {
      balancer.group().close();
    }
    for (WhoamiServer b : backends) {
      b.close();
    }
  }

  @ParameterizedTest(name = "lbkit codec settings: {0}")
  @ValueSource(booleans = {true, false})
  void aGatewaysOwnPipelineBalancesTunnelsAndStops(boolean lbkitCodec) throws Exception {
    for (int i = 0; i < 2; i++) {
      backends.add(WhoamiServer.start("whoami" + (i + 1), "127.0.0." + (i + 2)));
    }
    balancer = BackendConfig.parse(Map.of("backend", backends.get(0).authority() + "," + backends.get(1).authority()))
        .createBalancer();
    ProxyEngine engine = ProxyEngine.create(balancer, NettyProxyOptions.defaults());
    AtomicInteger seenByTheGateway = new AtomicInteger();
    loops = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    listener = new ServerBootstrap().group(loops).channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(lbkitCodec ? new HttpServerCodec(ProxyEngine.clientCodecConfig()) : new HttpServerCodec(),
                new HttpServerExpectContinueHandler(), new ChannelInboundHandlerAdapter() {
                  @Override
                  public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    if (msg instanceof HttpRequest) {
                      seenByTheGateway.incrementAndGet(); // a gateway's own handler, before the engine's
                    }
                    ctx.fireChannelRead(msg);
                  }
                }, engine.newHandler());
          }
        }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    int port = ((InetSocketAddress) listener.localAddress()).getPort();

    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    List<String> served = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      HttpResponse<String> r = http.send(java.net.http.HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      served.add(WhoamiServer.hostnameOf(r.body()));
    }
    assertThat(served).containsExactly("whoami1", "whoami2", "whoami1", "whoami2");
    HttpResponse<String> posted = http.send(java.net.http.HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
        + "/sink")).POST(java.net.http.HttpRequest.BodyPublishers.ofString("twelve bytes")).timeout(Duration.ofSeconds(10))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(posted.body()).contains("Body-Length: 12");
    assertThat(seenByTheGateway).hasValue(5);

    try (RawWebSocket ws = RawWebSocket.open(new InetSocketAddress("127.0.0.1", port), "/ws", 10_000)) {
      assertThat(ws.head()).startsWith("HTTP/1.1 101 ");
      assertThat(ws.ask("whoami")).startsWith("whoami");
      assertThat(ws.ask("echo me")).isEqualTo("echo me");
    }

    assertThat(engine.drained().toCompletableFuture()).isNotDone();
    engine.stop();
    engine.drained().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(engine.openConnections()).isZero();
  }
}
