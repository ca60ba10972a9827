package io.lbkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;
import org.xbill.DNS.Lookup;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/** The extensions' lifecycles, the fake ticker's overflow and the log capture. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FixturesTest {
  @RegisterExtension
  static final WhoamiExtension SHARED = WhoamiExtension.count(1).named("shared");
  private static int sharedPortInFirstTest;

  @RegisterExtension
  final WhoamiExtension backends = WhoamiExtension.on("127.0.0.5", "127.0.0.6").sharingOnePort();

  @RegisterExtension
  final TestDnsExtension dns = TestDnsExtension.create();

  @Test
  @Order(1)
  void instanceFieldsStartBeforeEachTest() throws Exception {
    assertThat(backends.servers()).extracting(WhoamiServer::name).containsExactly("whoami1", "whoami2");
    assertThat(backends.get(0).port()).isEqualTo(backends.get(1).port());
    assertThat(backends.authorities()).isEqualTo("127.0.0.5:" + backends.get(0).port() + ",127.0.0.6:"
        + backends.get(0).port());
    assertThat(backends.servers()).allMatch(WhoamiServer::isListening);

    dns.server().setA("tasks.whoami", "127.0.0.5");
    SimpleResolver resolver = new SimpleResolver(dns.server().address());
    Lookup lookup = new Lookup("tasks.whoami.", Type.A);
    lookup.setResolver(resolver);
    lookup.setCache(null);
    assertThat(lookup.run()).hasSize(1);
    assertThat(dns.nameserver()).isEqualTo("127.0.0.1:" + dns.server().port());

    sharedPortInFirstTest = SHARED.get(0).port();
    assertThat(SHARED.get(0).name()).isEqualTo("shared1");
    assertThat(SHARED.get(0).ip()).isEqualTo("127.0.0.2");
  }

  @Test
  @Order(2)
  void aStaticFieldLivesForTheClass() {
    assertThat(SHARED.get(0).port()).isEqualTo(sharedPortInFirstTest);
    assertThat(SHARED.get(0).isListening()).isTrue();
  }

  @Test
  void addedServersCloseWithTheOthers() throws Exception {
    WhoamiExtension manual = WhoamiExtension.count(0);
    assertThatThrownBy(manual::servers).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("not started (expected: a field annotated @RegisterExtension, or start() before use)");
    manual.start();
    WhoamiServer extra = manual.add("extra", "127.0.0.7", 0);
    assertThat(manual.servers()).containsExactly(extra);
    assertThatThrownBy(() -> manual.named("x")).hasMessageStartingWith("named: set after the start");
    manual.close();
    assertThat(extra.isListening()).isFalse();
    manual.close(); // twice: nothing
  }

  @Test
  void aFailedStartLeavesNothingStarted() {
    WhoamiExtension bad = WhoamiExtension.on("127.0.0.8", "no-such-host.invalid");
    assertThatThrownBy(bad::start).isInstanceOf(java.io.IOException.class);
    assertThatThrownBy(bad::servers).isInstanceOf(IllegalStateException.class);
    bad.close(); // nothing left to close
    assertThatThrownBy(() -> WhoamiExtension.on("127.0.0.8", "127.0.0.8").sharingOnePort())
        .hasMessage("sharingOnePort: addresses [127.0.0.8, 127.0.0.8] (expected: all different)");
    assertThatThrownBy(() -> WhoamiExtension.count(251)).hasMessage("count: 251 (expected: 0..250)");
  }

  @Test
  void theFakeTickerCrossesTheOverflowWithinTheFirstMinuteAndAHalf() throws Exception {
    FakeTicker ticker = new FakeTicker();
    long start = ticker.read();
    assertThat(start).isEqualTo(FakeTicker.START).isEqualTo(Long.MAX_VALUE - 60_000_000_000L);
    assertThat(ticker.advance(Duration.ofSeconds(59))).isPositive();
    long after = ticker.advance(Duration.ofSeconds(2));
    assertThat(after).as("wrapped").isNegative();
    assertThat(after - start).isEqualTo(Duration.ofSeconds(61).toNanos());
    assertThat(ticker.elapsedNanos()).isEqualTo(Duration.ofSeconds(61).toNanos());
    assertThat(ticker.advance(5)).isEqualTo(after + 5);
    assertThatThrownBy(() -> ticker.advance(-1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ticker.advance(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
    // readable from other threads
    assertThat(CompletableFuture.supplyAsync(ticker::read).get()).isEqualTo(after + 5);
  }

  @Test
  void logCaptureKeepsWhatItsLoggersSaidUntilClosed() {
    org.slf4j.Logger one = LoggerFactory.getLogger(FixturesTest.class);
    org.slf4j.Logger other = LoggerFactory.getLogger(InetAddress.class);
    LogCapture logs = LogCapture.of(FixturesTest.class, InetAddress.class);
    one.info("hello {}", "there");
    one.warn("careful: {}", 1);
    other.error("broken: {}", 2);
    LoggerFactory.getLogger(String.class).warn("careful: not captured");
    assertThat(logs.messages(Level.INFO)).containsExactly("hello there");
    assertThat(logs.messages(Level.WARN)).containsExactly("careful: 1");
    assertThat(logs.warnings("")).containsExactly("careful: 1", "broken: 2");
    assertThat(logs.warnings("broken")).containsExactly("broken: 2");
    logs.close();
    one.warn("careful: after close");
    assertThat(logs.warnings("careful")).containsExactly("careful: 1");
    assertThatThrownBy(LogCapture::of).isInstanceOf(IllegalArgumentException.class);
  }
}
