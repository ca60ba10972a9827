package io.lbkit.dns;

import static org.assertj.core.api.Assertions.assertThat;

import io.lbkit.core.Endpoint;
import io.lbkit.testkit.FakeTicker;
import io.lbkit.testkit.LogCapture;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Name;
import org.xbill.DNS.SRVRecord;

/**
 * The record and hold-timer policy alone: no socket, no scheduler, time from a {@link FakeTicker}
 * that starts one minute before {@code Long.MAX_VALUE}, so every test that waits out a hold of a
 * minute or more crosses the overflow.
 */
class DnsPolicyTest {
  private static final Duration RESOLVE = Duration.ofSeconds(1);

  private final FakeTicker ticker = new FakeTicker();

  @Test
  void aValidAnswerGivesItsEndpointsAndTheNextQueryComesTimeoutResolveLater() {
    DnsPolicy policy = policy(builder());
    ticker.advance(Duration.ofMinutes(2)); // past Long.MAX_VALUE
    DnsPolicy.Decision d = policy.onResolution(valid("127.0.0.2", "127.0.0.3"), ticker.read());
    assertThat(ips(d.endpoints())).containsExactly("127.0.0.2", "127.0.0.3");
    assertThat(d.nextQueryAt() - ticker.read()).isEqualTo(RESOLVE.toNanos());
    assertThat(policy.lastStatus()).isEqualTo(DnsStatus.VALID);
    assertThat(policy.lastDetail()).isEmpty();
  }

  @Test
  void withRespectTtlTheNextQueryWaitsForTheTtlClampedToHoldValid() {
    DnsPolicy policy = policy(builder().respectTtl(true).holdValid(Duration.ofSeconds(10)));
    assertThat(policy.onResolution(Resolution.valid(endpoints("127.0.0.2"), 5), ticker.read()).nextQueryAt()
        - ticker.read()).isEqualTo(Duration.ofSeconds(5).toNanos());
    assertThat(policy.onResolution(Resolution.valid(endpoints("127.0.0.2"), 3600), ticker.read()).nextQueryAt()
        - ticker.read()).isEqualTo(Duration.ofSeconds(10).toNanos());
    // a failure has no TTL: timeout-resolve
    assertThat(policy.onResolution(error(DnsStatus.SERVFAIL), ticker.read()).nextQueryAt() - ticker.read())
        .isEqualTo(RESOLVE.toNanos());
  }

  @Test
  void aFailureWithinItsHoldChangesNothingAndPastItKeepsTheListWithOneWarning() {
    try (LogCapture logs = LogCapture.of(DnsEndpointSource.class)) {
      DnsPolicy policy = policy(builder().holdTimeout(Duration.ofSeconds(30)));
      policy.onResolution(valid("127.0.0.2"), ticker.read());

      ticker.advance(Duration.ofSeconds(30).minusNanos(1));
      assertThat(policy.onResolution(error(DnsStatus.TIMEOUT), ticker.read()).endpoints()).isNull();
      assertThat(policy.isFailing()).isFalse();

      for (int i = 0; i < 3; i++) {
        ticker.advance(Duration.ofSeconds(20)); // crosses Long.MAX_VALUE on the way
        assertThat(policy.onResolution(error(DnsStatus.TIMEOUT), ticker.read()).endpoints()).isNull();
        assertThat(policy.isFailing()).isTrue();
      }
      assertThat(policy.endpoints()).extracting(Endpoint::ipAddress).containsExactly("127.0.0.2");
      assertThat(policy.lastStatus()).isEqualTo(DnsStatus.TIMEOUT);
      assertThat(logs.warnings("keeping the last 1 known server(s)")).hasSize(1);

      assertThat(ips(policy.onResolution(valid("127.0.0.3"), ticker.read()).endpoints())).containsExactly("127.0.0.3");
      assertThat(policy.isFailing()).isFalse();
      assertThat(logs.warnings("DNS resolution recovered")).hasSize(1);
    }
  }

  @Test
  void withDnsFailureDropAFailurePastItsHoldEmptiesTheList() {
    DnsPolicy policy = policy(builder().dnsFailure(DnsFailure.DROP).holdRefused(Duration.ofSeconds(90)));
    policy.onResolution(valid("127.0.0.2"), ticker.read());
    ticker.advance(Duration.ofSeconds(89));
    assertThat(policy.onResolution(error(DnsStatus.REFUSED), ticker.read()).endpoints()).isNull();
    ticker.advance(Duration.ofSeconds(1));
    assertThat(policy.onResolution(error(DnsStatus.REFUSED), ticker.read()).endpoints()).isEmpty();
    assertThat(policy.endpoints()).isEmpty();
  }

  @Test
  void aNegativeAnswerPastHoldNxLetsHoldObsoleteAgeTheRecordsOut() {
    DnsPolicy policy = policy(builder().holdNx(Duration.ofSeconds(30)).holdObsolete(Duration.ofSeconds(60)));
    policy.onResolution(valid("127.0.0.2"), ticker.read());
    ticker.advance(Duration.ofSeconds(30));
    assertThat(ips(policy.onResolution(error(DnsStatus.NX), ticker.read()).endpoints())).containsExactly("127.0.0.2");
    ticker.advance(Duration.ofSeconds(30));
    assertThat(ips(policy.onResolution(error(DnsStatus.NX), ticker.read()).endpoints())).containsExactly("127.0.0.2");
    ticker.advance(Duration.ofNanos(1));
    assertThat(policy.onResolution(error(DnsStatus.NX), ticker.read()).endpoints()).isEmpty();
    assertThat(policy.isFailing()).isFalse(); // scaled to zero is an answer, not a failure
  }

  @Test
  void holdObsoleteKeepsARecordMissingFromValidAnswersInItsPlace() {
    DnsPolicy policy = policy(builder().holdObsolete(Duration.ofSeconds(10)));
    policy.onResolution(valid("127.0.0.2", "127.0.0.3"), ticker.read());
    ticker.advance(Duration.ofSeconds(10));
    assertThat(ips(policy.onResolution(valid("127.0.0.3", "127.0.0.4"), ticker.read()).endpoints()))
        .containsExactly("127.0.0.2", "127.0.0.3", "127.0.0.4");
    ticker.advance(Duration.ofSeconds(10).plusNanos(1));
    assertThat(ips(policy.onResolution(valid("127.0.0.3", "127.0.0.4"), ticker.read()).endpoints()))
        .containsExactly("127.0.0.3", "127.0.0.4");
  }

  @Test
  void withoutHoldObsoleteAMissingRecordGoesAtOnceAndADuplicateCountsOnce() {
    DnsPolicy policy = policy(builder());
    policy.onResolution(valid("127.0.0.2", "127.0.0.3"), ticker.read());
    assertThat(ips(policy.onResolution(valid("127.0.0.3", "127.0.0.3"), ticker.read()).endpoints()))
        .containsExactly("127.0.0.3");
  }

  @Test
  void aFreshValidResultIsReusedWithinHoldValidAcrossTheOverflow() {
    DnsPolicy policy = policy(builder().holdValid(Duration.ofMinutes(2)));
    assertThat(policy.freshWithinHoldValid(ticker.read())).isFalse(); // nothing resolved yet
    policy.onResolution(valid("127.0.0.2"), ticker.read());
    ticker.advance(Duration.ofMinutes(2).minusNanos(1));
    assertThat(policy.freshWithinHoldValid(ticker.read())).isTrue();
    ticker.advance(Duration.ofNanos(1));
    assertThat(policy.freshWithinHoldValid(ticker.read())).isFalse();
  }

  @Test
  void holdTimersStartWhenThePolicyIsCreated() {
    DnsPolicy policy = policy(builder().holdTimeout(Duration.ofSeconds(5)).dnsFailure(DnsFailure.DROP));
    ticker.advance(Duration.ofSeconds(4));
    assertThat(policy.onResolution(error(DnsStatus.TIMEOUT), ticker.read()).endpoints()).isNull();
    ticker.advance(Duration.ofSeconds(1));
    assertThat(policy.onResolution(error(DnsStatus.TIMEOUT), ticker.read()).endpoints()).isEmpty();
  }

  @Test
  void srvRecordsGiveWeightedEndpointsLowerPrioritiesFirst() throws Exception {
    DnsPolicy policy = policy(DnsEndpointSource.builder("_http._tcp.whoami"));
    Name a = Name.fromString("a.whoami.");
    Name b = Name.fromString("b.whoami.");
    List<SRVRecord> records = List.of(srv(20, 512, 8081, b), srv(10, 0, 8080, a), srv(10, 1, 0, a));
    Map<Name, DnsAnswer> targets = new LinkedHashMap<>();
    targets.put(b, DnsAnswer.addresses(addresses("127.0.0.3"), 30));
    targets.put(a, DnsAnswer.addresses(addresses("127.0.0.2"), 30));
    try (LogCapture logs = LogCapture.of(DnsEndpointSource.class)) {
      List<Endpoint> list = policy.onResolution(Resolution.srv(records, targets, 30), ticker.read()).endpoints();
      assertThat(list).extracting(Endpoint::authority).containsExactly("127.0.0.2:8080", "127.0.0.3:8081");
      assertThat(list).extracting(Endpoint::weight).containsExactly(0, 2);
      assertThat(list).extracting(Endpoint::hostname).containsExactly("a.whoami", "b.whoami");
      assertThat(logs.warnings("port 0")).hasSize(1);
    }
  }

  @Test
  void anSrvTargetThatFailsIsHeldByItsOwnStatus() throws Exception {
    DnsPolicy policy = policy(DnsEndpointSource.builder("_http._tcp.whoami").holdNx(Duration.ofSeconds(30)));
    Name a = Name.fromString("a.whoami.");
    Name b = Name.fromString("b.whoami.");
    List<SRVRecord> records = List.of(srv(0, 1, 8080, a), srv(0, 1, 8080, b));
    Map<Name, DnsAnswer> targets = new LinkedHashMap<>();
    targets.put(a, DnsAnswer.addresses(addresses("127.0.0.2"), 30));
    targets.put(b, DnsAnswer.addresses(addresses("127.0.0.3"), 30));
    policy.onResolution(Resolution.srv(records, targets, 30), ticker.read());

    targets.put(b, DnsAnswer.error(DnsStatus.NX, "NXDOMAIN"));
    ticker.advance(Duration.ofSeconds(29));
    assertThat(ips(policy.onResolution(Resolution.srv(records, targets, 30), ticker.read()).endpoints()))
        .containsExactly("127.0.0.2", "127.0.0.3");
    ticker.advance(Duration.ofSeconds(1));
    assertThat(ips(policy.onResolution(Resolution.srv(records, targets, 30), ticker.read()).endpoints()))
        .containsExactly("127.0.0.2");
  }

  // ---- helpers ----

  private static DnsEndpointSource.Builder builder() {
    return DnsEndpointSource.builder("tasks.whoami:80").timeoutResolve(RESOLVE);
  }

  private DnsPolicy policy(DnsEndpointSource.Builder b) {
    return new DnsPolicy("test", b.policySettings(), ticker.read());
  }

  private static Resolution valid(String... ips) {
    return Resolution.valid(endpoints(ips), 30);
  }

  private static Resolution error(DnsStatus status) {
    return Resolution.error(DnsAnswer.error(status, status.key()));
  }

  private static List<Endpoint> endpoints(String... ips) {
    List<Endpoint> out = new ArrayList<>();
    for (InetAddress a : addresses(ips)) {
      out.add(Endpoint.of(a, 80));
    }
    return out;
  }

  private static List<InetAddress> addresses(String... ips) {
    List<InetAddress> out = new ArrayList<>();
    for (String ip : ips) {
      try {
        out.add(InetAddress.getByName(ip)); // a literal: no lookup
      } catch (java.net.UnknownHostException e) {
        throw new IllegalArgumentException(ip, e);
      }
    }
    return out;
  }

  private static SRVRecord srv(int priority, int weight, int port, Name target) throws Exception {
    return new SRVRecord(Name.fromString("_http._tcp.whoami."), DClass.IN, 30, priority, weight, port, target);
  }

  private static List<String> ips(List<Endpoint> list) {
    assertThat(list).isNotNull();
    List<String> out = new ArrayList<>();
    for (Endpoint e : list) {
      out.add(e.ipAddress());
    }
    return out;
  }
}
