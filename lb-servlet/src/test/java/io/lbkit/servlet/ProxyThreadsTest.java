package io.lbkit.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.lbkit.balance.RoundRobinBalancer;
import io.lbkit.core.ServerGroup;
import io.lbkit.servlet.ServletContainer.Kind;
import io.lbkit.testkit.WhoamiServer;
import java.net.http.HttpResponse;
import java.util.concurrent.Executor;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * In Jetty the proxy's client runs on the server's thread pool (as Jetty's own ProxyServlet does);
 * where the container offers none (Tomcat) it has a pool of its own. Either way the filter's
 * destroy leaves the container's pool running.
 */
class ProxyThreadsTest {
  @RegisterExtension
  final Fixture f = new Fixture();

  private LoadBalancingFilter filterForOneBackend() throws Exception {
    WhoamiServer backend = f.backends(1).backend(0);
    ServerGroup group = f.closeLater(ServerGroup.builder("be").staticEndpoints(backend.authority()).build());
    return new LoadBalancingFilter(RoundRobinBalancer.create(group), FilterOptions.defaults());
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void theProxyRunsOnJettysPoolAndOnItsOwnElsewhere(Kind kind) throws Exception {
    LoadBalancingFilter filter = filterForOneBackend();
    ServletContainer container = f.filter(filter).start(kind).container;
    assertThat(f.get("/a").statusCode()).isEqualTo(200);
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

  /** A small Jetty pool (under MIN_SHARED_POOL threads) is left alone: Jetty would refuse to start over its budget. */
  @Test
  void aJettyPoolTooSmallToShareMakesTheProxyUseItsOwn() throws Exception {
    LoadBalancingFilter filter = filterForOneBackend();
    f.filter(filter).jettyPool(new QueuedThreadPool(4, 2)).start(Kind.JETTY);
    assertThat(f.container.failure()).as("Jetty started").isNull();
    assertThat(((QueuedThreadPool) filter.proxyExecutor()).getName()).startsWith("lbkit-proxy-");
    HttpResponse<String> r = f.get("/small");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("Hostname: whoami1");
  }
}
