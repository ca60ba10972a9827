package io.lbkit.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lbkit.core.ServerGroup;
import io.lbkit.health.HealthChecker;
import io.lbkit.testkit.FakeTicker;
import io.lbkit.testkit.TestDnsExtension;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** HAProxy's on-demand resolution: a layer-4 check failure re-resolves unless the last VALID is within hold-valid. */
class DnsHealthCheckTriggerTest {
  @RegisterExtension
  final TestDnsExtension dns = TestDnsExtension.create();

  @Test
  void aLayer4CheckFailureResolvesAgainOnceHoldValidHasPassed() throws Exception {
    int deadPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      deadPort = s.getLocalPort(); // nothing listens there once closed: connections are refused
    }
    FakeTicker ticker = new FakeTicker();
    AtomicInteger failures = new AtomicInteger();
    try (ServerGroup group = ServerGroup.builder("be").slots("whoami", 2).fall(1).build()) {
      dns.server().setA("tasks.whoami", "127.0.0.1");
      DnsEndpointSource source = DnsEndpointSource.builder("tasks.whoami", deadPort).nameserver(dns.nameserver())
          .resolvePrefer(ResolvePrefer.IPV4).timeoutResolve(Duration.ofHours(1)).holdValid(Duration.ofSeconds(10))
          .ticker(ticker::read).build(group);
      source.whenReady().get(5, TimeUnit.SECONDS);
      int afterStart = dns.server().queries().size();

      HealthChecker.builder().checkInterval(Duration.ofMillis(50))
          .onLayer4Failure(server -> {
            failures.incrementAndGet();
            source.triggerResolution();
          })
          .build(group);

      await().atMost(Duration.ofSeconds(10)).until(() -> failures.get() >= 2);
      assertThat(dns.server().queries()).hasSize(afterStart); // the VALID answer is fresh: no query

      ticker.advance(Duration.ofSeconds(10));
      await().atMost(Duration.ofSeconds(10)).until(() -> dns.server().queries().size() > afterStart);
      assertThat(source.lastStatus()).isEqualTo(DnsStatus.VALID);
    }
  }

}
