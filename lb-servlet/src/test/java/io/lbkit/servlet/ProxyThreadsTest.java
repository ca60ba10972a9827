package io.lbkit.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.lbkit.balance.RoundRobinBalancer;
import io.lbkit.core.ServerGroup;
import io.lbkit.servlet.ServletContainer.Kind;
import io.lbkit.testkit.WhoamiServer;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.Executor;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * In Jetty the proxy's client runs on the server's thread pool (as Jetty's own ProxyServlet does);
 * where the container offers none (Tomcat) it has a pool of its own. Either way the filter's
 * destroy leaves the container's pool running.
 */
class ProxyThreadsTest {
  @ParameterizedTest
  @EnumSource(Kind.class)
  void theProxyRunsOnJettysPoolAndOnItsOwnElsewhere(Kind kind) throws Exception {
    try (WhoamiServer backend = WhoamiServer.start("whoami1", "127.0.0.2");
        ServerGroup group = ServerGroup.builder("be").staticEndpoints(backend.authority()).build()) {
      LoadBalancingFilter filter = new LoadBalancingFilter(RoundRobinBalancer.create(group), FilterOptions.defaults());
      try (ServletContainer container = ServletContainer.start(kind, filter)) {
        HttpClient http = HttpClient.newHttpClient();
        assertThat(http.send(HttpRequest.newBuilder(container.uri("/a")).build(),
            HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        Executor used = filter.proxyExecutor();
        if (kind == Kind.JETTY) {
          assertThat(used).isNotNull().isSameAs(container.offeredExecutor());
        } else {
          assertThat(container.offeredExecutor()).isNull();
          assertThat(used).isInstanceOf(QueuedThreadPool.class);
          assertThat(((QueuedThreadPool) used).getName()).startsWith("lbkit-proxy-");
        }
        filter.destroy();
        if (kind == Kind.JETTY) {
          assertThat(((QueuedThreadPool) used).isRunning()).as("the server's pool survives the filter").isTrue();
        } else {
          assertThat(((QueuedThreadPool) used).isRunning()).as("our own pool stops with the filter").isFalse();
        }
      }
    }
  }

  /** A small Jetty pool (under MIN_SHARED_POOL threads) is left alone: Jetty would refuse to start over its budget. */
  @org.junit.jupiter.api.Test
  void aJettyPoolTooSmallToShareMakesTheProxyUseItsOwn() throws Exception {
    try (WhoamiServer backend = WhoamiServer.start("whoami1", "127.0.0.2");
        ServerGroup group = ServerGroup.builder("be").staticEndpoints(backend.authority()).build()) {
      LoadBalancingFilter filter = new LoadBalancingFilter(RoundRobinBalancer.create(group), FilterOptions.defaults());
      org.eclipse.jetty.server.Server server = new org.eclipse.jetty.server.Server(new QueuedThreadPool(4, 2));
      org.eclipse.jetty.server.ServerConnector connector = new org.eclipse.jetty.server.ServerConnector(server, 1, 1);
      connector.setHost("127.0.0.1");
      connector.setPort(0);
      server.addConnector(connector);
      org.eclipse.jetty.ee10.servlet.ServletContextHandler context = new org.eclipse.jetty.ee10.servlet.ServletContextHandler("/");
      org.eclipse.jetty.ee10.servlet.FilterHolder holder = new org.eclipse.jetty.ee10.servlet.FilterHolder(filter);
      holder.setAsyncSupported(true);
      context.addFilter(holder, "/*", java.util.EnumSet.of(jakarta.servlet.DispatcherType.REQUEST));
      server.setHandler(context);
      server.start();
      try {
        assertThat(((QueuedThreadPool) filter.proxyExecutor()).getName()).startsWith("lbkit-proxy-");
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            java.net.URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/small")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("Hostname: whoami1");
      } finally {
        server.stop();
      }
    }
  }
}
