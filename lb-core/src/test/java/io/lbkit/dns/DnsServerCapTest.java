package io.lbkit.dns;

import static org.assertj.core.api.Assertions.assertThat;

import io.lbkit.core.Server;
import io.lbkit.core.ServerGroup;
import io.lbkit.testkit.LogCapture;
import io.lbkit.testkit.TestDnsServer;
import io.lbkit.testkit.TestDnsServer.Srv;
import io.lbkit.testkit.TestDnsServer.Transport;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Type;

/**
 * Issue 12, point 11: without {@code slots}, a huge DNS answer must not create a server (and so a
 * socket and a probe) per record. The group holds at most {@code max-servers} (default 256).
 */
class DnsServerCapTest {
  private static final String SRV = "_http._tcp.whoami";

  @Test
  void thousandsOfSrvRecordsOverTcpCreateAtMostMaxServersServers() throws Exception {
    // 2,400 records on one target (26 bytes each: an SRV target is never compressed), no additional
    // section: about 62 KB, so UDP is truncated and the answer comes whole over TCP
    Srv[] records = new Srv[2400];
    for (int i = 0; i < records.length; i++) {
      records[i] = TestDnsServer.srv(i < records.length - 100 ? 20 : 10, 10, 10_000 + i, "whoami");
    }
    try (TestDnsServer dns = TestDnsServer.start();
        LogCapture logs = LogCapture.of(ServerGroup.class);
        ServerGroup group = ServerGroup.builder("be").build()) {
      dns.setSrv(SRV, records).setA("whoami", "127.0.0.2").setAdditional(false);
      DnsEndpointSource source = builder(dns).build(group);
      source.whenReady().get(10, TimeUnit.SECONDS);
      assertThat(source.resolveNow().get(10, TimeUnit.SECONDS)).isEqualTo(DnsStatus.VALID);
      assertThat(source.resolveNow().get(10, TimeUnit.SECONDS)).isEqualTo(DnsStatus.VALID);

      assertThat(dns.queries(SRV)).anyMatch(q -> q.transport() == Transport.TCP);
      assertThat(source.endpoints()).hasSize(2400); // the source believes the answer; the group caps it
      assertThat(group.snapshot().servers()).hasSize(256);
      assertThat(group.snapshot().usable()).hasSize(256);
      // the lower SRV priority (the last 100 records of the answer) is never the part left out
      assertThat(group.snapshot().servers()).extracting(Server::endpoint)
          .filteredOn(e -> e.priority() == 10).hasSize(100);
      assertThat(logs.warnings("max-servers")).hasSize(1); // once, not once per resolution
    }
  }

  @Test
  void srvTargetsBeyondTheCapAreNotLookedUp() throws Exception {
    Srv[] records = new Srv[400];
    try (TestDnsServer dns = TestDnsServer.start();
        ServerGroup group = ServerGroup.builder("be").maxServers(50).build()) {
      for (int i = 0; i < records.length; i++) {
        records[i] = TestDnsServer.srv(0, 10, 8080, "t" + i + ".whoami");
        dns.setA("t" + i + ".whoami", "127.0.1." + (i % 250 + 2));
      }
      dns.setSrv(SRV, records).setAdditional(false);
      DnsEndpointSource source = builder(dns).build(group);
      source.whenReady().get(10, TimeUnit.SECONDS);
      assertThat(source.lastStatus()).isEqualTo(DnsStatus.VALID);

      long targetLookups = dns.queries().stream().filter(q -> q.type() == Type.A).count();
      assertThat(targetLookups).isEqualTo(50);
      assertThat(group.snapshot().servers()).hasSize(50);
    }
  }

  private static DnsEndpointSource.Builder builder(TestDnsServer dns) {
    return DnsEndpointSource.builder(SRV).nameserver(dns.nameserver()).resolvePrefer(ResolvePrefer.IPV4)
        .timeoutResolve(Duration.ofHours(1)).timeoutRetry(Duration.ofSeconds(2)).resolveRetries(2);
  }
}
