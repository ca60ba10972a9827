package io.lbkit.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.xbill.DNS.Type.A;
import static org.xbill.DNS.Type.AAAA;

import io.lbkit.cookie.StickyCookieBalancer;
import io.lbkit.core.Endpoint;
import io.lbkit.core.Server;
import io.lbkit.core.ServerGroup;
import io.lbkit.core.ServerState;
import io.lbkit.testkit.FakeTicker;
import io.lbkit.testkit.LogCapture;
import io.lbkit.testkit.TestDnsServer;
import io.lbkit.testkit.TestDnsServer.Malformed;
import io.lbkit.testkit.TestDnsServer.Query;
import io.lbkit.testkit.TestDnsServer.Spoof;
import io.lbkit.testkit.TestDnsServer.Transport;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Rcode;

/** DnsEndpointSource against a real DNS server over UDP and TCP on 127.0.0.1. */
class DnsEndpointSourceTest {
  private static final String NAME = "tasks.whoami";

  private TestDnsServer dns;
  private final FakeTicker ticker = new FakeTicker();
  private ServerGroup group;
  private DnsEndpointSource source;

  @BeforeEach
  void startDns() {
    dns = TestDnsServer.start();
  }

  @AfterEach
  void stop() {
    if (group != null) {
      group.close();
    }
    dns.close();
  }

  // ---- A / AAAA ----

  @Test
  void aRecordsFillSlotsInOrder() throws Exception {
    dns.setA(NAME, "127.0.0.2", "127.0.0.3", "127.0.0.4");
    start(5, builder().resolvePrefer(ResolvePrefer.IPV4));

    assertThat(slots()).containsExactly(
        entry("whoami1", "127.0.0.2:80"), entry("whoami2", "127.0.0.3:80"), entry("whoami3", "127.0.0.4:80"),
        entry("whoami4", "-"), entry("whoami5", "-"));
    assertThat(group.snapshot().usable()).hasSize(3);
    assertThat(group.snapshot().server(3).state()).isEqualTo(ServerState.MAINT);
    assertThat(group.snapshot().server(3).reason()).isEqualTo("resolution");
    assertThat(source.lastStatus()).isEqualTo(DnsStatus.VALID);
    assertThat(group.snapshot().server(0).endpoint().hostname()).isEqualTo(NAME);
    // RD set and the EDNS0 payload size announced
    assertThat(dns.queries()).allSatisfy(q -> assertThat(q.payloadSize()).isEqualTo(512));
  }

  @Test
  void scaleOneThreeOneFiveKeepsSlotsAndCookies() throws Exception {
    start(5, builder().resolvePrefer(ResolvePrefer.IPV4));
    StickyCookieBalancer sticky = StickyCookieBalancer.builder().cookieKey("test-key").build(group);

    dns.setA(NAME, "127.0.0.2");
    resolve();
    assertThat(addresses()).containsExactly("127.0.0.2", "-", "-", "-", "-");
    String cookie2 = cookieOf(sticky, 0);

    dns.setA(NAME, "127.0.0.4", "127.0.0.2", "127.0.0.3"); // DNS servers rotate their answers
    resolve();
    assertThat(addresses()).containsExactly("127.0.0.2", "127.0.0.4", "127.0.0.3", "-", "-");
    assertThat(cookieOf(sticky, 0)).isEqualTo(cookie2);
    String cookie3 = cookieOf(sticky, 2);

    dns.setA(NAME, "127.0.0.3");
    resolve();
    assertThat(addresses()).containsExactly("-", "-", "127.0.0.3", "-", "-");
    assertThat(cookieOf(sticky, 2)).isEqualTo(cookie3);

    dns.setA(NAME, "127.0.0.5", "127.0.0.6", "127.0.0.3", "127.0.0.7", "127.0.0.8");
    resolve();
    assertThat(addresses()).containsExactly("127.0.0.5", "127.0.0.6", "127.0.0.3", "127.0.0.7", "127.0.0.8");
    assertThat(cookieOf(sticky, 2)).isEqualTo(cookie3);
    assertThat(group.snapshot().usable()).hasSize(5);
    assertThat(cookieOf(sticky, 0)).isNotEqualTo(cookie2); // the cookie follows the address, not the slot
  }

  @Test
  void defaultPreferenceAsksAaaaFirstThenAAtOnceOnEmptyAnswer() throws Exception {
    dns.setA(NAME, "127.0.0.2");
    start(3, builder());

    assertThat(types(dns.queries(NAME))).containsExactly("AAAA", "A");
    assertThat(addresses()).containsExactly("127.0.0.2", "-", "-");
    assertThat(source.counters().answers(DnsStatus.EMPTY)).isEqualTo(1);
  }

  @Test
  void aaaaRecordsAreUsedWhenPreferred() throws Exception {
    dns.setA(NAME, "127.0.0.2").setAaaa(NAME, "::1", "fd00::2");
    start(3, builder());

    assertThat(types(dns.queries(NAME))).containsExactly("AAAA");
    assertThat(group.snapshot().server(0).endpoint().authority()).isEqualTo("[0:0:0:0:0:0:0:1]:80");
    assertThat(group.snapshot().server(1).endpoint().isIpv6()).isTrue();
    assertThat(addresses()).containsExactly("0:0:0:0:0:0:0:1", "fd00:0:0:0:0:0:0:2", "-");
  }

  @Test
  void preferIpv4FallsBackToAaaaOnNxOfA() throws Exception {
    dns.setAaaa(NAME, "::1").setRcode(NAME, A, Rcode.NXDOMAIN);
    start(3, builder().resolvePrefer(ResolvePrefer.IPV4));

    assertThat(types(dns.queries(NAME))).containsExactly("A", "AAAA");
    assertThat(addresses()).containsExactly("0:0:0:0:0:0:0:1", "-", "-");
  }

  @Test
  void preferBothUsesAAndAaaa() throws Exception {
    dns.setA(NAME, "127.0.0.2").setAaaa(NAME, "::1");
    start(3, builder().resolvePrefer(ResolvePrefer.BOTH));

    assertThat(types(dns.queries(NAME))).containsExactlyInAnyOrder("A", "AAAA");
    assertThat(addresses()).containsExactly("127.0.0.2", "0:0:0:0:0:0:0:1", "-");
  }

  @Test
  void aTimeoutNeverTriggersTheFamilyFallback() throws Exception {
    dns.setA(NAME, "127.0.0.2").setSilent(NAME, AAAA, true);
    start(3, silenceBuilder());

    assertThat(source.lastStatus()).isEqualTo(DnsStatus.TIMEOUT);
    assertThat(types(dns.queries(NAME))).containsExactly("AAAA", "AAAA", "AAAA");
    assertThat(source.counters().queries()).isEqualTo(3);
    assertThat(source.counters().answers(DnsStatus.TIMEOUT)).isEqualTo(1);
    assertThat(addresses()).containsOnly("-");
  }

  @Test
  void cnameChainsAreFollowedInsideOneAnswer() throws Exception {
    // the test server answers A for a name; a CNAME chain is checked through the classifier directly
    org.xbill.DNS.Name q = org.xbill.DNS.Name.fromString("tasks.whoami.");
    org.xbill.DNS.Name c = org.xbill.DNS.Name.fromString("real.whoami.");
    org.xbill.DNS.Message m = new org.xbill.DNS.Message(7);
    m.getHeader().setFlag(org.xbill.DNS.Flags.QR);
    m.addRecord(org.xbill.DNS.Record.newRecord(q, A, org.xbill.DNS.DClass.IN), org.xbill.DNS.Section.QUESTION);
    m.addRecord(new org.xbill.DNS.ARecord(c, org.xbill.DNS.DClass.IN, 5, InetAddress.getByName("127.0.0.9")),
        org.xbill.DNS.Section.ANSWER);
    m.addRecord(new org.xbill.DNS.CNAMERecord(q, org.xbill.DNS.DClass.IN, 5, c), org.xbill.DNS.Section.ANSWER);
    m.addRecord(new org.xbill.DNS.ARecord(org.xbill.DNS.Name.fromString("other."), org.xbill.DNS.DClass.IN, 5,
        InetAddress.getByName("127.0.0.66")), org.xbill.DNS.Section.ANSWER);
    DnsAnswer a = DnsAnswer.classify(new org.xbill.DNS.Message(m.toWire()), q, A);
    assertThat(a.status).isEqualTo(DnsStatus.VALID);
    assertThat(a.addresses).containsExactly(InetAddress.getByName("127.0.0.9"));
  }

  // ---- last known good and hold timers ----

  @Test
  void holdNxKeepsTheListThenEmptiesIt() throws Exception {
    dns.setA(NAME, "127.0.0.2", "127.0.0.3");
    start(3, builder().resolvePrefer(ResolvePrefer.IPV4).holdNx(Duration.ofSeconds(10)));
    dns.remove(NAME); // NXDOMAIN for A and AAAA

    ticker.advance(Duration.ofSeconds(9));
    assertThat(resolve()).isEqualTo(DnsStatus.NX);
    assertThat(addresses()).containsExactly("127.0.0.2", "127.0.0.3", "-");

    ticker.advance(Duration.ofSeconds(1));
    assertThat(resolve()).isEqualTo(DnsStatus.NX);
    assertThat(addresses()).containsOnly("-");
    assertThat(group.snapshot().usable()).isEmpty();

    dns.setA(NAME, "127.0.0.4");
    assertThat(resolve()).isEqualTo(DnsStatus.VALID);
    assertThat(addresses()).containsExactly("127.0.0.4", "-", "-");
  }

  @Test
  void emptyAnswerIsHeldByHoldOtherThenScalesToZero() throws Exception {
    dns.setA(NAME, "127.0.0.2");
    start(2, builder().resolvePrefer(ResolvePrefer.IPV4).holdOther(Duration.ofSeconds(5)));
    dns.setA(NAME); // the name exists, no record: NOERROR, empty

    ticker.advance(Duration.ofSeconds(4));
    assertThat(resolve()).isEqualTo(DnsStatus.EMPTY);
    assertThat(addresses()).containsExactly("127.0.0.2", "-");

    ticker.advance(Duration.ofSeconds(2));
    assertThat(resolve()).isEqualTo(DnsStatus.EMPTY);
    assertThat(addresses()).containsOnly("-");
  }

  @Test
  void negativeAnswerPastItsHoldStillRespectsHoldObsolete() throws Exception {
    dns.setA(NAME, "127.0.0.2");
    start(2, builder().resolvePrefer(ResolvePrefer.IPV4).holdNx(Duration.ofSeconds(5))
        .holdObsolete(Duration.ofSeconds(20)));
    dns.remove(NAME);

    ticker.advance(Duration.ofSeconds(10));
    assertThat(resolve()).isEqualTo(DnsStatus.NX);
    assertThat(addresses()).containsExactly("127.0.0.2", "-");

    ticker.advance(Duration.ofSeconds(11));
    resolve();
    assertThat(addresses()).containsOnly("-");
  }

  @Test
  void refusedIsHeldByHoldRefusedThenKept() throws Exception {
    checkFailureHold(() -> dns.setRcode(NAME, Rcode.REFUSED), DnsStatus.REFUSED,
        builder().holdRefused(Duration.ofSeconds(7)), Duration.ofSeconds(7), DnsFailure.KEEP);
  }

  @Test
  void refusedPastHoldRefusedDropsWithDnsFailureDrop() throws Exception {
    checkFailureHold(() -> dns.setRcode(NAME, Rcode.REFUSED), DnsStatus.REFUSED,
        builder().holdRefused(Duration.ofSeconds(7)), Duration.ofSeconds(7), DnsFailure.DROP);
  }

  @Test
  void servfailIsHeldByHoldOther() throws Exception {
    checkFailureHold(() -> dns.setRcode(NAME, Rcode.SERVFAIL), DnsStatus.SERVFAIL,
        builder().holdOther(Duration.ofSeconds(3)), Duration.ofSeconds(3), DnsFailure.DROP);
  }

  @Test
  void silenceIsHeldByHoldTimeout() throws Exception {
    checkFailureHold(() -> dns.setSilent(true), DnsStatus.TIMEOUT,
        silenceBuilder().holdTimeout(Duration.ofSeconds(12)), Duration.ofSeconds(12), DnsFailure.DROP);
  }

  @Test
  void malformedRepliesAreHeldByHoldOther() throws Exception {
    checkFailureHold(() -> dns.setMalformed(NAME, Malformed.CUT_SHORT), DnsStatus.MALFORMED,
        builder().holdOther(Duration.ofSeconds(4)), Duration.ofSeconds(4), DnsFailure.DROP);
    assertThat(source.counters().malformed()).isGreaterThanOrEqualTo(2);
  }

  /** Valid list, then a failure: unchanged within the hold; past it, kept (keep) or emptied (drop). */
  private void checkFailureHold(Runnable fail, DnsStatus status, DnsEndpointSource.Builder b, Duration hold,
      DnsFailure mode) throws Exception {
    dns.setA(NAME, "127.0.0.2", "127.0.0.3");
    start(3, b.resolvePrefer(ResolvePrefer.IPV4).dnsFailure(mode));
    fail.run();

    ticker.advance(hold.minusMillis(1));
    assertThat(resolve()).isEqualTo(status);
    assertThat(addresses()).containsExactly("127.0.0.2", "127.0.0.3", "-");
    assertThat(source.isFailing()).isFalse();

    ticker.advance(Duration.ofMillis(1));
    assertThat(resolve()).isEqualTo(status);
    assertThat(source.isFailing()).isTrue();
    if (mode == DnsFailure.KEEP) {
      assertThat(addresses()).containsExactly("127.0.0.2", "127.0.0.3", "-");
      assertThat(group.snapshot().usable()).hasSize(2);
    } else {
      assertThat(addresses()).containsOnly("-");
      assertThat(group.snapshot().usable()).isEmpty();
    }
  }

  @Test
  void silentNameserverLongerThanEveryHoldWithKeepKeepsServersAndWarnsOnceEachWay() throws Exception {
    try (LogCapture logs = LogCapture.of(DnsEndpointSource.class)) {
      dns.setA(NAME, "127.0.0.2", "127.0.0.3");
      start(3, silenceBuilder().resolvePrefer(ResolvePrefer.IPV4));
      dns.setSilent(true);

      for (int i = 0; i < 3; i++) {
        ticker.advance(Duration.ofSeconds(31)); // past every hold
        assertThat(resolve()).isEqualTo(DnsStatus.TIMEOUT);
        assertThat(addresses()).containsExactly("127.0.0.2", "127.0.0.3", "-");
        assertThat(group.snapshot().usable()).hasSize(2);
      }
      assertThat(logs.warnings("keeping the last 2 known server(s)")).hasSize(1);

      dns.setSilent(false);
      assertThat(resolve()).isEqualTo(DnsStatus.VALID);
      resolve();
      assertThat(logs.warnings("DNS resolution recovered")).hasSize(1);
      assertThat(source.isFailing()).isFalse();
    }
  }

  @Test
  void silentNameserverLongerThanEveryHoldWithDropPutsAllInMaintLikeHaproxy() throws Exception {
    try (LogCapture logs = LogCapture.of(DnsEndpointSource.class)) {
      dns.setA(NAME, "127.0.0.2", "127.0.0.3");
      start(3, silenceBuilder().resolvePrefer(ResolvePrefer.IPV4).dnsFailure(DnsFailure.DROP));
      dns.setSilent(true);

      ticker.advance(Duration.ofSeconds(29));
      resolve();
      assertThat(group.snapshot().usable()).hasSize(2);
      ticker.advance(Duration.ofSeconds(2));
      resolve();
      ticker.advance(Duration.ofSeconds(60));
      resolve();
      assertThat(group.snapshot().servers()).allSatisfy(s -> {
        assertThat(s.state()).isEqualTo(ServerState.MAINT);
        assertThat(s.reason()).isEqualTo("resolution");
      });
      assertThat(logs.warnings("all servers go to MAINT")).hasSize(1);

      dns.setSilent(false).setA(NAME, "127.0.0.3", "127.0.0.2");
      assertThat(resolve()).isEqualTo(DnsStatus.VALID);
      assertThat(addresses()).containsExactly("127.0.0.3", "127.0.0.2", "-"); // reassigned from scratch
      assertThat(logs.warnings("DNS resolution recovered")).hasSize(1);
    }
  }

  @Test
  void holdObsoleteKeepsAMissingRecordInItsSlot() throws Exception {
    dns.setA(NAME, "127.0.0.2", "127.0.0.3");
    start(3, builder().resolvePrefer(ResolvePrefer.IPV4).holdObsolete(Duration.ofSeconds(10)));

    dns.setA(NAME, "127.0.0.3");
    ticker.advance(Duration.ofSeconds(5));
    resolve();
    assertThat(addresses()).containsExactly("127.0.0.2", "127.0.0.3", "-");

    ticker.advance(Duration.ofSeconds(5));
    resolve();
    assertThat(addresses()).containsExactly("127.0.0.2", "127.0.0.3", "-"); // seen 10 s ago: still within

    ticker.advance(Duration.ofMillis(1));
    resolve();
    assertThat(addresses()).containsExactly("-", "127.0.0.3", "-");
  }

  @Test
  void holdObsoleteZeroDropsAMissingRecordAtOnce() throws Exception {
    dns.setA(NAME, "127.0.0.2", "127.0.0.3");
    start(3, builder().resolvePrefer(ResolvePrefer.IPV4));
    dns.setA(NAME, "127.0.0.3");
    resolve(); // same ticker time as the previous answer
    assertThat(addresses()).containsExactly("-", "127.0.0.3", "-");
  }

  @Test
  void triggerResolutionReusesAFreshValidResultWithinHoldValid() throws Exception {
    dns.setA(NAME, "127.0.0.2");
    start(2, builder().resolvePrefer(ResolvePrefer.IPV4).holdValid(Duration.ofSeconds(10)));
    int before = dns.queries().size();

    assertThat(source.triggerResolution().get(5, TimeUnit.SECONDS)).isEqualTo(DnsStatus.VALID);
    assertThat(dns.queries()).hasSize(before);

    ticker.advance(Duration.ofSeconds(10));
    assertThat(source.triggerResolution().get(5, TimeUnit.SECONDS)).isEqualTo(DnsStatus.VALID);
    assertThat(dns.queries()).hasSize(before + 1);
  }

  // ---- transport ----

  @Test
  void truncatedUdpAnswerIsAskedAgainOverTcp() throws Exception {
    dns.setA(NAME, "127.0.0.2", "127.0.0.3").setTruncated(NAME, true);
    start(3, builder().resolvePrefer(ResolvePrefer.IPV4));

    assertThat(addresses()).containsExactly("127.0.0.2", "127.0.0.3", "-");
    List<Query> qs = dns.queries(NAME);
    assertThat(qs).extracting(Query::transport).containsExactly(Transport.UDP, Transport.TCP);
    assertThat(qs.get(0).id()).isEqualTo(qs.get(1).id());
    assertThat(source.counters().truncated()).isEqualTo(1);
    assertThat(source.counters().tcpQueries()).isEqualTo(1);
  }

  @Test
  void anAnswerTooLargeForUdpIsTruncatedAndFetchedWhole() throws Exception {
    dns.setA(NAME, manyIps(60)); // ~1 kB: over the 512 bytes announced
    start(5, builder().resolvePrefer(ResolvePrefer.IPV4));

    assertThat(source.endpoints()).hasSize(60);
    assertThat(dns.queries(NAME)).extracting(Query::transport).containsExactly(Transport.UDP, Transport.TCP);
    assertThat(group.snapshot().usable()).hasSize(5);
  }

  @Test
  void acceptedPayloadSizeIsAnnouncedAndLargerRepliesAreDropped() throws Exception {
    dns.setA(NAME, manyIps(60)).setIgnorePayloadSize(true);
    start(5, silenceBuilder().resolvePrefer(ResolvePrefer.IPV4).resolveRetries(1));

    assertThat(source.lastStatus()).isEqualTo(DnsStatus.TIMEOUT);
    assertThat(source.counters().tooBig()).isEqualTo(1);
    assertThat(addresses()).containsOnly("-");
    source.close();

    dns.clearQueries();
    group.close();
    start(5, builder().resolvePrefer(ResolvePrefer.IPV4).acceptedPayloadSize(4096));
    assertThat(dns.queries(NAME)).extracting(Query::payloadSize).containsExactly(4096);
    assertThat(source.endpoints()).hasSize(60);
  }

  @Test
  void aReplyWithAWrongIdIsIgnoredAndCounted() throws Exception {
    dns.setA(NAME, "127.0.0.2").setSpoof(NAME, Spoof.WRONG_ID, "127.0.0.66");
    start(2, silenceBuilder().resolvePrefer(ResolvePrefer.IPV4));

    assertThat(addresses()).containsExactly("127.0.0.2", "-");
    assertThat(source.counters().spoofed()).isEqualTo(1);

    dns.setSilent(NAME, true); // only the forged reply now
    assertThat(resolve()).isEqualTo(DnsStatus.TIMEOUT);
    assertThat(addresses()).containsExactly("127.0.0.2", "-");
    assertThat(source.counters().spoofed()).isEqualTo(4); // one per try
    assertThat(source.counters().answers(DnsStatus.VALID)).isEqualTo(1);
  }

  @Test
  void aReplyToAnotherQuestionIsIgnoredAndCounted() throws Exception {
    dns.setA(NAME, "127.0.0.2").setSpoof(NAME, Spoof.WRONG_QUESTION, "127.0.0.66");
    start(2, builder().resolvePrefer(ResolvePrefer.IPV4));

    assertThat(addresses()).containsExactly("127.0.0.2", "-");
    assertThat(source.counters().spoofed()).isEqualTo(1);
  }

  @Test
  void aRuntPacketIsCountedAndIgnored() throws Exception {
    dns.setA(NAME, "127.0.0.2").setMalformed(NAME, Malformed.RUNT);
    try (LogCapture logs = LogCapture.of(DnsEndpointSource.class)) {
      start(2, silenceBuilder().resolvePrefer(ResolvePrefer.IPV4));
      assertThat(source.lastStatus()).isEqualTo(DnsStatus.TIMEOUT);
      assertThat(source.counters().malformed()).isEqualTo(3);
      assertThat(logs.warnings("malformed")).isNotEmpty();
    }
  }

  @Test
  void aMalformedReplyWithTheRightIdIsAnErrorThatTriesTheOtherFamily() throws Exception {
    dns.setA(NAME, "127.0.0.2").setMalformed(NAME, Malformed.CUT_SHORT);
    start(2, builder());
    assertThat(source.lastStatus()).isEqualTo(DnsStatus.MALFORMED);
    assertThat(types(dns.queries(NAME))).containsExactly("AAAA", "A");
    assertThat(source.counters().answers(DnsStatus.MALFORMED)).isEqualTo(2);
  }

  @Test
  void aLateReplyToAnEarlierTryIsStillAccepted() throws Exception {
    dns.setA(NAME, "127.0.0.2").setDelay(Duration.ofMillis(300));
    start(2, builder().resolvePrefer(ResolvePrefer.IPV4).timeoutRetry(Duration.ofMillis(200)).resolveRetries(5));

    assertThat(source.lastStatus()).isEqualTo(DnsStatus.VALID);
    assertThat(addresses()).containsExactly("127.0.0.2", "-");
    List<Query> qs = dns.queries(NAME);
    assertThat(qs.size()).isGreaterThanOrEqualTo(2); // a retry went out before the first reply came
    assertThat(qs).extracting(Query::id).containsOnly(qs.get(0).id()); // retries keep the ID
  }

  @Test
  void closingTheGroupClosesTheSource() throws Exception {
    dns.setA(NAME, "127.0.0.2");
    start(2, builder().resolvePrefer(ResolvePrefer.IPV4));
    group.close();
    assertThat(source.resolveNow()).isCompletedExceptionally();
    assertThat(addresses()).containsExactly("127.0.0.2", "-"); // the group keeps its last snapshot
  }

  @Test
  void theFirstValidReplyOfSeveralNameserversWins() throws Exception {
    dns.setA(NAME, "127.0.0.2");
    InetSocketAddress dead = deadPort();
    start(2, builder().resolvePrefer(ResolvePrefer.IPV4)
        .nameserver("127.0.0.1:" + dead.getPort() + "," + dns.nameserver()));
    assertThat(addresses()).containsExactly("127.0.0.2", "-");
    assertThat(source.counters().queries()).isEqualTo(2);
  }

  @Test
  void anUnreachableNameserverAtStartupNeverFailsStartup() throws Exception {
    InetSocketAddress dead = deadPort();
    group = ServerGroup.builder("be").slots("whoami", 3).ticker(ticker::read).build();
    source = DnsEndpointSource.builder(NAME + ":80").nameserver("127.0.0.1:" + dead.getPort())
        .timeoutResolve(Duration.ofHours(1)).timeoutRetry(Duration.ofMillis(50)).build(group);

    source.whenReady().get(5, TimeUnit.SECONDS);
    assertThat(source.lastStatus()).isEqualTo(DnsStatus.TIMEOUT);
    assertThat(group.snapshot().servers()).allSatisfy(s -> assertThat(s.state()).isEqualTo(ServerState.MAINT));
  }

  @Test
  void periodicResolutionPicksUpChangesWithoutBeingAsked() throws Exception {
    dns.setA(NAME, "127.0.0.2");
    group = ServerGroup.builder("be").slots("whoami", 3).ticker(ticker::read).build();
    source = DnsEndpointSource.builder(NAME, 80).nameserver(dns.nameserver()).resolvePrefer(ResolvePrefer.IPV4)
        .timeoutResolve(Duration.ofMillis(20)).build(group);
    source.whenReady().get(5, TimeUnit.SECONDS);
    dns.setA(NAME, "127.0.0.2", "127.0.0.3");
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
        .until(() -> group.snapshot().usable().size() == 2);
  }

  // ---- SRV ----

  @Test
  void srvRecordsGiveTargetsPortsWeightsAndPriorities() throws Exception {
    String srv = "_http._tcp.whoami";
    dns.setSrv(srv, TestDnsServer.srv(10, 0, 8080, "a.whoami"), TestDnsServer.srv(10, 65535, 8081, "b.whoami"),
        TestDnsServer.srv(20, 300, 8082, "c.whoami"));
    dns.setA("a.whoami", "127.0.0.2").setA("b.whoami", "127.0.0.3").setA("c.whoami", "127.0.0.4");
    start(5, srvBuilder(srv));

    assertThat(types(dns.queries())).containsExactly("SRV"); // targets came in the additional section
    List<Endpoint> eps = source.endpoints();
    assertThat(eps).extracting(Endpoint::authority)
        .containsExactly("127.0.0.2:8080", "127.0.0.3:8081", "127.0.0.4:8082");
    assertThat(eps).extracting(Endpoint::weight).containsExactly(0, 256, 2);
    assertThat(eps).extracting(Endpoint::priority).containsExactly(10, 10, 20);
    assertThat(eps).extracting(Endpoint::hostname).containsExactly("a.whoami", "b.whoami", "c.whoami");
    assertThat(group.snapshot().eligible()).extracting(s -> s.endpoint().authority())
        .containsExactly("127.0.0.2:8080", "127.0.0.3:8081");

    // a weight change updates the server in place
    dns.setSrv(srv, TestDnsServer.srv(10, 1, 8080, "a.whoami"), TestDnsServer.srv(10, 65535, 8081, "b.whoami"),
        TestDnsServer.srv(20, 300, 8082, "c.whoami"));
    resolve();
    assertThat(group.snapshot().server(0).endpoint().weight()).isEqualTo(1);
    assertThat(group.snapshot().server(0).name()).isEqualTo("whoami1");
  }

  @Test
  void whenSrvRecordsOutnumberSlotsTheBackupsAreLeftOut() throws Exception {
    String srv = "_http._tcp.whoami";
    dns.setSrv(srv, TestDnsServer.srv(20, 10, 9000, "backup.whoami"), TestDnsServer.srv(10, 10, 8080, "a.whoami"),
        TestDnsServer.srv(10, 10, 8081, "b.whoami"));
    dns.setA("backup.whoami", "127.0.0.9").setA("a.whoami", "127.0.0.2").setA("b.whoami", "127.0.0.3");
    start(2, srvBuilder(srv));
    assertThat(slots()).containsExactly(entry("whoami1", "127.0.0.2:8080"), entry("whoami2", "127.0.0.3:8081"));

    dns.setSrv(srv, TestDnsServer.srv(20, 10, 9000, "backup.whoami"), TestDnsServer.srv(10, 10, 8081, "b.whoami"));
    resolve();
    assertThat(slots()).containsExactly(entry("whoami1", "127.0.0.9:9000"), entry("whoami2", "127.0.0.3:8081"));
    assertThat(group.snapshot().eligible()).extracting(s -> s.endpoint().port()).containsExactly(8081);
  }

  @Test
  void anSrvRecordWithPortZeroIsIgnoredAndTheOthersAreUsed() throws Exception {
    String srv = "_http._tcp.whoami";
    dns.setSrv(srv, TestDnsServer.srv(10, 10, 0, "a.whoami"), TestDnsServer.srv(10, 10, 8081, "b.whoami"))
        .setA("a.whoami", "127.0.0.2").setA("b.whoami", "127.0.0.3");
    try (LogCapture logs = LogCapture.of(DnsEndpointSource.class)) {
      start(2, srvBuilder(srv));
      assertThat(slots()).containsExactly(entry("whoami1", "127.0.0.3:8081"), entry("whoami2", "-"));
      assertThat(logs.warnings("port 0")).hasSize(1);
    }
    dns.setSrv(srv, TestDnsServer.srv(10, 10, 8080, "a.whoami"), TestDnsServer.srv(10, 10, 8081, "b.whoami"));
    resolve(); // and resolution goes on
    assertThat(group.snapshot().usable()).hasSize(2);
  }

  @Test
  void srvTargetsWithoutAdditionalRecordsAreResolvedSeparately() throws Exception {
    String srv = "_http._tcp.whoami";
    dns.setAdditional(false)
        .setSrv(srv, TestDnsServer.srv(0, 10, 8080, "a.whoami"), TestDnsServer.srv(0, 10, 8081, "b.whoami"))
        .setA("a.whoami", "127.0.0.2").setA("b.whoami", "127.0.0.3", "127.0.0.4");
    start(5, srvBuilder(srv));

    assertThat(dns.queries()).extracting(q -> q.typeName() + " " + q.name()).containsExactlyInAnyOrder(
        "SRV _http._tcp.whoami.", "AAAA a.whoami.", "A a.whoami.", "AAAA b.whoami.", "A b.whoami.");
    assertThat(source.endpoints()).extracting(Endpoint::authority)
        .containsExactly("127.0.0.2:8080", "127.0.0.3:8081", "127.0.0.4:8081");
  }

  @Test
  void anSrvTargetThatStopsResolvingKeepsItsAddressForItsHold() throws Exception {
    String srv = "_http._tcp.whoami";
    dns.setAdditional(false)
        .setSrv(srv, TestDnsServer.srv(0, 10, 8080, "a.whoami"), TestDnsServer.srv(0, 10, 8081, "b.whoami"))
        .setA("a.whoami", "127.0.0.2").setA("b.whoami", "127.0.0.3");
    start(5, srvBuilder(srv).holdNx(Duration.ofSeconds(10)));
    dns.remove("b.whoami");

    ticker.advance(Duration.ofSeconds(5));
    resolve();
    assertThat(source.endpoints()).extracting(Endpoint::authority).containsExactly("127.0.0.2:8080", "127.0.0.3:8081");

    ticker.advance(Duration.ofSeconds(5));
    resolve();
    assertThat(source.endpoints()).extracting(Endpoint::authority).containsExactly("127.0.0.2:8080");
  }

  @Test
  void srvNxdomainIsHeldLikeANameNx() throws Exception {
    String srv = "_http._tcp.whoami";
    dns.setSrv(srv, TestDnsServer.srv(0, 10, 8080, "a.whoami")).setA("a.whoami", "127.0.0.2");
    start(2, srvBuilder(srv).holdNx(Duration.ofSeconds(3)));
    dns.remove(srv);
    ticker.advance(Duration.ofSeconds(2));
    assertThat(resolve()).isEqualTo(DnsStatus.NX);
    assertThat(group.snapshot().usable()).hasSize(1);
    ticker.advance(Duration.ofSeconds(1));
    resolve();
    assertThat(group.snapshot().usable()).isEmpty();
  }

  // ---- slots ----

  @Test
  void moreRecordsThanSlotsWarnsOnce() throws Exception {
    try (LogCapture logs = LogCapture.of(ServerGroup.class)) {
      dns.setA(NAME, manyIps(7));
      start(5, builder().resolvePrefer(ResolvePrefer.IPV4));
      resolve();
      resolve();
      assertThat(group.snapshot().usable()).hasSize(5);
      assertThat(logs.warnings("ignored")).hasSize(1);

      // a freed slot goes to the next record waiting
      List<String> ips = new ArrayList<>(List.of(manyIps(7)));
      ips.remove(0);
      dns.setA(NAME, ips.toArray(new String[0]));
      resolve();
      assertThat(addresses()).containsExactly("127.0.0.7", "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6");
    }
  }

  // ---- helpers ----

  private DnsEndpointSource.Builder builder() {
    return DnsEndpointSource.builder(NAME + ":80").nameserver(dns.nameserver())
        .timeoutResolve(Duration.ofHours(1)) // tests drive resolutions with resolveNow()
        .timeoutRetry(Duration.ofSeconds(1)) // answers come long before; no spurious retry on a busy machine
        .resolveRetries(2);
  }

  /** For tests that wait out silence: short tries, three of them so answered phases stay robust. */
  private DnsEndpointSource.Builder silenceBuilder() {
    return builder().timeoutRetry(Duration.ofMillis(200)).resolveRetries(3);
  }

  private DnsEndpointSource.Builder srvBuilder(String name) {
    return DnsEndpointSource.builder(name).nameserver(dns.nameserver()).resolvePrefer(ResolvePrefer.IPV6)
        .timeoutResolve(Duration.ofHours(1)).timeoutRetry(Duration.ofSeconds(1)).resolveRetries(2);
  }

  private void start(int slots, DnsEndpointSource.Builder b) throws Exception {
    group = ServerGroup.builder("be").slots("whoami", slots).ticker(ticker::read).build();
    source = b.build(group);
    source.whenReady().get(5, TimeUnit.SECONDS);
  }

  private DnsStatus resolve() throws Exception {
    return source.resolveNow().get(5, TimeUnit.SECONDS);
  }

  private List<String> addresses() {
    return group.snapshot().servers().stream()
        .map(s -> s.endpoint() == null ? "-" : s.endpoint().ipAddress())
        .collect(Collectors.toList());
  }

  private Map<String, String> slots() {
    Map<String, String> m = new LinkedHashMap<>();
    for (Server s : group.snapshot().servers()) {
      m.put(s.name(), s.endpoint() == null ? "-" : s.endpoint().authority());
    }
    return m;
  }

  private static Map.Entry<String, String> entry(String k, String v) {
    return Map.entry(k, v);
  }

  private String cookieOf(StickyCookieBalancer sticky, int slot) {
    return sticky.cookieValue(group.snapshot().server(slot).endpoint());
  }

  private static List<String> types(List<Query> qs) {
    return qs.stream().map(Query::typeName).collect(Collectors.toList());
  }

  private static String[] manyIps(int n) {
    String[] ips = new String[n];
    for (int i = 0; i < n; i++) {
      ips[i] = "127.0." + (i / 250) + "." + (i % 250 + 2);
    }
    return ips;
  }

  /** A UDP port on 127.0.0.1 with nothing listening (bound, then released). */
  private static InetSocketAddress deadPort() throws Exception {
    try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
      return new InetSocketAddress(InetAddress.getLoopbackAddress(), s.getLocalPort());
    }
  }
}
