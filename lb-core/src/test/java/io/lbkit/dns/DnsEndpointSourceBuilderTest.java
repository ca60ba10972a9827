package io.lbkit.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lbkit.core.ServerGroup;
import io.lbkit.internal.HostPort;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Settings: names, defaults, parsing and error messages; resolv.conf. */
class DnsEndpointSourceBuilderTest {

  @Test
  void defaultsAreHaproxys() {
    String s = DnsEndpointSource.builder("tasks.whoami:80").toString();
    assertThat(s).isEqualTo("tasks.whoami:80, nameserver /etc/resolv.conf, resolve-prefer ipv6, resolve-retries 3,"
        + " timeout-resolve 1s, timeout-retry 1s, hold-valid 10s, hold-nx 30s, hold-refused 30s, hold-timeout 30s,"
        + " hold-other 30s, hold-obsolete 0ms, accepted-payload-size 512, respect-ttl false, dns-failure keep");
  }

  @Test
  void everyKeySetsItsBuilderMethod() {
    Map<String, String> options = new LinkedHashMap<>();
    options.put("nameserver", "127.0.0.1:5353, [::1]:53,10.0.0.1");
    options.put("resolve-prefer", "IPv4");
    options.put("resolve-retries", "5");
    options.put("timeout-resolve", "2s");
    options.put("timeout-retry", "500ms");
    options.put("hold-valid", "1m");
    options.put("hold-nx", "10s");
    options.put("hold-refused", "11s");
    options.put("hold-timeout", "12s");
    options.put("hold-other", "13s");
    options.put("hold-obsolete", "14s");
    options.put("accepted-payload-size", "1232");
    options.put("respect-ttl", "true");
    options.put("dns-failure", "drop");
    options.put("cookie-key", "not a DNS option: left alone");
    assertThat(options.keySet()).containsAll(DnsOptions.ALL.names());

    String s = DnsEndpointSource.builder("_http._tcp.whoami").setAll(options).toString();
    assertThat(s).isEqualTo("srv _http._tcp.whoami, nameserver 127.0.0.1:5353,[0:0:0:0:0:0:0:1]:53,10.0.0.1:53,"
        + " resolve-prefer ipv4, resolve-retries 5, timeout-resolve 2s, timeout-retry 500ms, hold-valid 1m,"
        + " hold-nx 10s, hold-refused 11s, hold-timeout 12s, hold-other 13s, hold-obsolete 14s,"
        + " accepted-payload-size 1232, respect-ttl true, dns-failure drop");
  }

  @Test
  void badValuesNameTheKeyTheValueAndWhatWasExpected() {
    DnsEndpointSource.Builder b = DnsEndpointSource.builder("tasks.whoami", 80);
    assertError(() -> b.set("hold-valid", "-1s"), "hold-valid: '-1s' (expected: a duration");
    assertError(() -> b.set("hold-valid", "ten"), "hold-valid: 'ten' (expected: a duration");
    assertError(() -> b.set("timeout-retry", "0"), "timeout-retry: 0ms (expected: > 0)");
    assertError(() -> b.set("resolve-retries", "0"), "resolve-retries: 0 (expected: 1..100)");
    assertError(() -> b.set("resolve-retries", "x"), "resolve-retries: 'x' (expected: an integer 1..100)");
    assertError(() -> b.set("accepted-payload-size", "11"), "accepted-payload-size: 11 (expected: 12..65535)");
    assertError(() -> b.set("accepted-payload-size", "65536"), "accepted-payload-size: 65536 (expected: 12..65535)");
    assertError(() -> b.set("resolve-prefer", "ipv5"), "resolve-prefer: 'ipv5' (expected: ipv4, ipv6 or both)");
    assertError(() -> b.set("dns-failure", "ignore"), "dns-failure: 'ignore' (expected: keep or drop)");
    assertError(() -> b.set("respect-ttl", "maybe"), "respect-ttl: 'maybe' (expected: on or off)");
    assertError(() -> b.set("nameserver", "dns.example:53"), "nameserver: 'dns.example:53' (expected: ip[:port]");
    assertError(() -> b.set("nameserver", "127.0.0.1:99999"), "nameserver: '127.0.0.1:99999' (expected: a port");
    assertError(() -> b.set("nameserver", " "), "nameserver: '' (expected: ip[:port]");
    assertError(() -> b.set("hold-vaild", "1s"), "hold-vaild: unknown parameter (expected: one of accepted-payload-size,");
    assertError(() -> b.set("hold-valid", "999999d"), "hold-valid: 999999d (expected: at most 365d)");
    assertError(() -> b.holdObsolete(Duration.ofSeconds(-1)), "hold-obsolete: -1s (expected: >= 0)");
    assertError(() -> DnsEndpointSource.builder("tasks.whoami"), "dns: 'tasks.whoami' (expected: host:port");
    assertError(() -> DnsEndpointSource.builder("tasks.whoami:http"), "dns: 'tasks.whoami:http' (expected: a port 1..65535)");
    assertError(() -> DnsEndpointSource.builder("tasks.whoami", 0), "port: 0 (expected: 1..65535)");
    assertError(() -> DnsEndpointSource.builder("_http._tcp.whoami", 80), "hostname: '_http._tcp.whoami'");
    assertError(() -> DnsEndpointSource.builder("bad..name:80"), "hostname: 'bad..name' (expected: a DNS name");
  }

  private static void assertError(Runnable r, String message) {
    assertThatThrownBy(r::run).isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith(message);
  }

  @Test
  void resolvConfIsReadOnEveryResolution(@TempDir Path dir) throws Exception {
    Path conf = dir.resolve("resolv.conf");
    Files.writeString(conf, "# comment\nsearch example\nnameserver 127.0.0.53\noptions edns0\n",
        StandardCharsets.UTF_8);
    try (ServerGroup group = ServerGroup.builder("be").slots("whoami", 1).build()) {
      DnsEndpointSource source = DnsEndpointSource.builder("tasks.whoami:80").resolvConf(conf)
          .timeoutResolve(Duration.ofHours(1)).timeoutRetry(Duration.ofMillis(20)).resolveRetries(1).build(group);
      source.whenReady().get(5, TimeUnit.SECONDS);
      assertThat(source.currentNameservers()).containsExactly(new InetSocketAddress("127.0.0.53", 53));

      Files.writeString(conf, "nameserver 127.0.0.54\nnameserver ::1\nnameserver not-an-ip\n", StandardCharsets.UTF_8);
      assertThat(source.currentNameservers()).containsExactly(new InetSocketAddress("127.0.0.54", 53),
          new InetSocketAddress("::1", 53));

      Files.delete(conf); // unreadable: the C library's default
      assertThat(source.currentNameservers()).containsExactly(new InetSocketAddress("127.0.0.1", 53));
    }
  }

  @Test
  void respectTtlWaitsForTheTtlWithinBounds() {
    long resolve = TimeUnit.SECONDS.toNanos(1);
    long holdValid = TimeUnit.SECONDS.toNanos(10);
    assertThat(DnsEndpointSource.nextDelay(-1, resolve, holdValid)).isEqualTo(resolve);
    assertThat(DnsEndpointSource.nextDelay(0, resolve, holdValid)).isEqualTo(resolve);
    assertThat(DnsEndpointSource.nextDelay(5, resolve, holdValid)).isEqualTo(TimeUnit.SECONDS.toNanos(5));
    assertThat(DnsEndpointSource.nextDelay(86400, resolve, holdValid)).isEqualTo(holdValid);
    assertThat(DnsEndpointSource.nextDelay(Long.MAX_VALUE, resolve, 0)).isEqualTo(resolve);
  }

  @Test
  void nameserverListsParseEveryForm() {
    assertThat(Nameservers.parseList("127.0.0.1 ::1 [fd00::1]:5353,192.168.1.1:53")).containsExactly(
        new InetSocketAddress("127.0.0.1", 53), new InetSocketAddress("::1", 53),
        new InetSocketAddress("fd00::1", 5353), new InetSocketAddress("192.168.1.1", 53));
    assertThat(HostPort.literal("localhost")).isNull();
    assertThat(HostPort.literal("1.2.3")).isNull();
    assertThat(HostPort.literal("999.1.1.1")).isNull(); // never looked up as a host name
    assertThat(HostPort.literal("1..2.3")).isNull();
    assertThat(List.of(DnsStatus.NX, DnsStatus.EMPTY)).allMatch(DnsStatus::isNegativeAnswer);
  }
}
