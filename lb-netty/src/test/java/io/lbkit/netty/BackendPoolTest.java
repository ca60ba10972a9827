package io.lbkit.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lbkit.balance.RoundRobinBalancer;
import io.lbkit.core.Endpoint;
import io.lbkit.core.ServerGroup;
import io.lbkit.testkit.FakeTicker;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The pool hands out only connections that can carry a request, against a real server socket:
 * one the server closed (its FIN in the kernel, not yet seen by the event loop) is dropped before
 * a byte is written, and one idle longer than servers keep theirs is dropped unasked.
 */
class BackendPoolTest {
  private final FakeTicker time = new FakeTicker();
  private EventLoopGroup loops;
  private EventLoop loop;
  private ServerSocket server;
  private ServerGroup group;
  private ProxyEngine engine;
  private Endpoint endpoint;

  @BeforeEach
  void setUp() throws Exception {
    loops = Transport.newGroup(1, "pool-test");
    loop = loops.next();
    server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.2"));
    endpoint = Endpoint.of(server.getInetAddress(), server.getLocalPort());
    group = ServerGroup.builder("be").slots("srv", 1).endpoints(List.of(endpoint)).ticker(time::read).build();
    engine = ProxyEngine.create(RoundRobinBalancer.create(group), NettyProxyOptions.defaults());
  }

  @AfterEach
  void tearDown() throws Exception {
    server.close();
    group.close();
    loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  @Test
  void connectionTheServerClosedIsNotLeasedEvenBeforeTheLoopSawTheClose() throws Exception {
    BackendPool pool = engine.pool(loop);
    Channel ch = pooledConnection(pool);
    try (Socket accepted = server.accept()) {
      CountDownLatch closedByServer = new CountDownLatch(1);
      Future<Channel> leased = loop.submit(() -> { // holds the loop: it cannot process the FIN meanwhile
        closedByServer.await(10, TimeUnit.SECONDS);
        time.advance(Duration.ofSeconds(1)); // idle long enough to be checked
        return pool.lease(endpoint);
      });
      accepted.close();
      Transport.Probe probe = new Transport.Probe();
      await().atMost(Duration.ofSeconds(5)).until(() -> !probe.established(ch)); // the FIN is in the kernel
      closedByServer.countDown();
      assertThat(leased.get(10, TimeUnit.SECONDS)).as("a connection the server closed").isNull();
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> !ch.isOpen());
  }

  @Test
  void openConnectionIdleLongerThanServersKeepThemIsClosedNotLeased() throws Exception {
    BackendPool pool = engine.pool(loop);
    Channel ch = pooledConnection(pool);
    try (Socket accepted = server.accept()) {
      assertThat(loop.submit(() -> pool.lease(endpoint)).get(10, TimeUnit.SECONDS)).as("just released").isSameAs(ch);
      loop.submit(() -> pool.release(endpoint, ch.pipeline().get(BackendHandler.class))).get(10, TimeUnit.SECONDS);
      time.advance(Duration.ofNanos(BackendPool.MAX_IDLE_NANOS + 1));
      assertThat(loop.submit(() -> pool.lease(endpoint)).get(10, TimeUnit.SECONDS)).isNull();
      await().atMost(Duration.ofSeconds(5)).until(() -> !ch.isOpen());
    }
  }

  /** A connection to the test's server, idle in {@code pool}. */
  private Channel pooledConnection(BackendPool pool) throws Exception {
    Channel ch = new Bootstrap().group(loop)
        .channel(Transport.isEpoll(loops) ? EpollSocketChannel.class : NioSocketChannel.class)
        .handler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel c) {
            c.pipeline().addLast(new BackendCodec(new HttpDecoderConfig()), new BackendHandler(pool, endpoint, engine));
          }
        })
        .connect(server.getLocalSocketAddress()).sync().channel();
    loop.submit(() -> pool.release(endpoint, ch.pipeline().get(BackendHandler.class))).get(10, TimeUnit.SECONDS);
    return ch;
  }
}
