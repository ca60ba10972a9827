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
}
